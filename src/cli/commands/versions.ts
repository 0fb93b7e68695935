import { isExtensionId } from '../../crx/extension-id.ts';
import { apiRequest } from '../api-client.ts';
import { CliError, type CliContext, type Command, type OptionValues } from '../command.ts';
import { optionString } from '../files.ts';
import { REMOTE_HELP, REMOTE_OPTIONS, remoteTarget, warnIfPlainHttp } from '../remote.ts';
import { clean, describeAnswer, isRecord, refusalReason } from '../server-answer.ts';

interface VersionState {
  version: string;
  withdrawn: boolean;
}

/** The add-on details the API answers with (GET /api/v1/addons/<id>), reduced to what is printed. */
function asDetails(body: unknown): { id: string; versions: VersionState[] } | undefined {
  if (!isRecord(body) || typeof body.id !== 'string' || !Array.isArray(body.versions)) return undefined;
  const versions: VersionState[] = [];
  for (const v of body.versions) {
    if (!isRecord(v) || typeof v.version !== 'string') return undefined;
    versions.push({ version: clean(v.version), withdrawn: typeof v.withdrawnAt === 'string' });
  }
  return { id: clean(body.id), versions };
}

type Change = 'withdraw' | 'restore';

/** A Mozilla VPN add-on has no versions: `withdraw <id>` takes it out of the signed index. */
async function withdrawVpnAddon(values: OptionValues, id: string, ctx: CliContext): Promise<number> {
  const { server, token } = remoteTarget(values, ctx);
  warnIfPlainHttp(server, ctx);
  const channel = optionString(values, 'channel');
  const query = channel === undefined ? '' : `?channel=${encodeURIComponent(channel)}`;
  const answer = await apiRequest({ server, token, method: 'DELETE', path: `api/v1/vpn/${encodeURIComponent(id)}${query}` });
  if (answer.status < 200 || answer.status > 299) {
    ctx.stderr(`outpost withdraw: ${refusalReason(answer, answer.endpoint, server, 'request')} (HTTP ${answer.status})\n`);
    return 1;
  }
  if (!isRecord(answer.body) || typeof answer.body.id !== 'string' || typeof answer.body.withdrawnAt !== 'string') {
    ctx.stderr(`outpost withdraw: the answer is not a VPN add-on: ${answer.endpoint.href} answered ${describeAnswer(answer)}; is --server an Outpost server's base address? (HTTP ${answer.status})\n`);
    return 1;
  }
  ctx.stdout(`Withdrew the VPN add-on ${clean(answer.body.id)}: the signed index no longer lists it. Publish the same .rcc again to bring it back.\n`);
  return 0;
}

async function change(kind: Change, values: OptionValues, positionals: string[], ctx: CliContext): Promise<number> {
  if (optionString(values, 'channel') !== undefined && positionals.length !== 1) throw new CliError('CLI_USAGE', '--channel is for a Mozilla VPN add-on: give its id alone');
  if (positionals.length === 1) {
    if (kind === 'withdraw') return withdrawVpnAddon(values, positionals[0]!, ctx);
    throw new CliError('CLI_USAGE', 'restore needs <id> <version>; a withdrawn VPN add-on comes back by publishing the same .rcc again');
  }
  const { server, token } = remoteTarget(values, ctx);
  warnIfPlainHttp(server, ctx);
  const [id, version] = positionals.map((p) => encodeURIComponent(p));
  // A Chromium extension id (32 letters a-p) is never a Mozilla add-on id (a GUID or email-like).
  const collection = isExtensionId(positionals[0]!) ? 'chromium' : 'addons';
  const path = `api/v1/${collection}/${id}/versions/${version}${kind === 'restore' ? '/restore' : ''}`;
  const answer = await apiRequest({ server, token, method: kind === 'withdraw' ? 'DELETE' : 'POST', path });
  const name = `outpost ${kind}`;
  const fail = (reason: string): number => {
    ctx.stderr(`${name}: ${reason} (HTTP ${answer.status})\n`);
    return 1;
  };
  if (answer.status < 200 || answer.status > 299) return fail(refusalReason(answer, answer.endpoint, server, 'request'));
  const details = asDetails(answer.body);
  if (!details) return fail(`the answer is not an add-on: ${answer.endpoint.href} answered ${describeAnswer(answer)}; is --server an Outpost server's base address?`);
  const served = details.versions.filter((v) => !v.withdrawn).map((v) => v.version);
  const verb = kind === 'withdraw' ? 'Withdrew' : 'Restored';
  ctx.stdout(`${verb} ${details.id} ${clean(positionals[1]!)}. Offered now: ${served.length ? served.join(', ') : 'no version'}.\n`);
  return 0;
}

export const withdrawCommand: Command = {
  path: ['withdraw'],
  usage: 'withdraw <id> [<version>] --server URL [--token T]',
  summary: 'Take a published version out of the manifests (the file is kept aside).',
  help: `Calls DELETE <server>/api/v1/addons/<id>/versions/<version>: the manifests are rebuilt and re-signed without the version and its file leaves the served tree. For a Chromium extension id (32 letters a-p) it calls /api/v1/chromium/<id>/versions/<version>: no update check offers the version any more. Withdrawing a withdrawn version changes nothing. \`outpost restore\` brings it back.

Without a version, <id> is a Mozilla VPN add-on (they have none): DELETE <server>/api/v1/vpn/<id> signs the index again without it and moves its .rcc aside (--channel NAME: in that index). Publishing the same .rcc again brings it back.

Options:
${REMOTE_HELP}

Examples:
  outpost withdraw myaddon@example.org 1.2 --server https://example.org/outpost/
  outpost withdraw message_demo --server https://example.org/outpost/`,
  options: { ...REMOTE_OPTIONS, channel: { type: 'string' } },
  positionals: [1, 2],
  run: ({ values, positionals }, ctx) => change('withdraw', values, positionals, ctx),
};

export const restoreCommand: Command = {
  path: ['restore'],
  usage: 'restore <id> <version> --server URL [--token T]',
  summary: 'Offer a withdrawn version again.',
  help: `Calls POST <server>/api/v1/addons/<id>/versions/<version>/restore: the file returns to the served tree, then the manifests name the version again. Restoring a version that is offered changes nothing.

Options:
${REMOTE_HELP}

Example:
  outpost restore myaddon@example.org 1.2 --server https://example.org/outpost/`,
  options: REMOTE_OPTIONS,
  // One positional gets its own answer: VPN add-ons are restored by publishing them again.
  positionals: [1, 2],
  run: ({ values, positionals }, ctx) => change('restore', values, positionals, ctx),
};
