import { isExtensionId } from '../../crx/extension-id.ts';
import { apiRequest } from '../api-client.ts';
import type { CliContext, Command, OptionValues } from '../command.ts';
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

async function change(kind: Change, values: OptionValues, positionals: string[], ctx: CliContext): Promise<number> {
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
  usage: 'withdraw <id> <version> --server URL [--token T]',
  summary: 'Take a published version out of the manifests (the file is kept aside).',
  help: `Calls DELETE <server>/api/v1/addons/<id>/versions/<version>: the manifests are rebuilt and re-signed without the version and its file leaves the served tree. For a Chromium extension id (32 letters a-p) it calls /api/v1/chromium/<id>/versions/<version>: no update check offers the version any more. Withdrawing a withdrawn version changes nothing. \`outpost restore\` brings it back.

Options:
${REMOTE_HELP}

Example:
  outpost withdraw myaddon@example.org 1.2 --server https://example.org/outpost/`,
  options: REMOTE_OPTIONS,
  positionals: [2, 2],
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
  positionals: [2, 2],
  run: ({ values, positionals }, ctx) => change('restore', values, positionals, ctx),
};
