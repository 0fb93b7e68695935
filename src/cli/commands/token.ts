import { TokenStore } from '../../storage/token-store.ts';
import { CliError, type CliContext, type Command } from '../command.ts';
import { optionString } from '../files.ts';
import { auditCliChange, cliDeployment, cliKeyStore } from '../local-state.ts';

async function tokenStore(ctx: CliContext): Promise<TokenStore> {
  return new TokenStore((await cliDeployment(ctx)).objects);
}

export const tokenCreateCommand: Command = {
  path: ['token', 'create'],
  usage: 'token create --key <name> [--label L]',
  summary: 'Create an API token that publishes with a publisher key (printed once).',
  help: `The token is printed alone on the last line, so scripts can take it:
  TOKEN=$(outpost token create --key mykey --label ci | tail -n 1)
Only its hash is stored. A running server sees new and revoked tokens at once. The creation is recorded in the audit log ($OUTPOST_DATA/private/audit.log, or the bucket of OUTPOST_STORAGE: id, key and label; never the token).

Options:
  --key, -k  the publisher key the token publishes with (see \`outpost key list\`)
  --label    a note to recognise the token by (e.g. "ci", "laptop")`,
  options: { key: { type: 'string', short: 'k' }, label: { type: 'string' } },
  positionals: [0, 0],
  async run({ values }, ctx) {
    const keyName = optionString(values, 'key');
    if (!keyName) throw new CliError('CLI_USAGE', '--key <name> is required');
    const { store: keys } = await cliKeyStore(ctx, 'read');
    await keys.info(keyName);
    const { token, record } = await (await tokenStore(ctx)).create(keyName, optionString(values, 'label') ?? '');
    // The id and label only: the token itself is a secret, stored nowhere but as a hash.
    await auditCliChange(ctx, { action: 'token-create', target: record.id, details: { key: keyName, label: record.label } }, `created token ${record.id}`);
    ctx.stdout(`Created token ${record.id} for key ${keyName}${record.label ? ` (${record.label})` : ''}. It is shown only now:\n${token}\n`);
    return 0;
  },
};

export const tokenListCommand: Command = {
  path: ['token', 'list'],
  usage: 'token list',
  summary: 'List API tokens: id, key, label, created, last used, revoked.',
  help: 'Tokens themselves cannot be shown again; revoke and create a new one if one is lost.',
  positionals: [0, 0],
  async run(_args, ctx) {
    const records = await (await tokenStore(ctx)).list();
    if (records.length === 0) ctx.stderr('No tokens. Create one with `outpost token create --key <name>`.\n');
    for (const r of records) {
      const state = r.revokedAt ? `revoked ${r.revokedAt}` : `last used ${r.lastUsedAt ?? 'never'}`;
      ctx.stdout(`${r.id}  key=${r.keyName}  label=${JSON.stringify(r.label)}  created ${r.createdAt}  ${state}\n`);
    }
    return 0;
  },
};

export const tokenRevokeCommand: Command = {
  path: ['token', 'revoke'],
  usage: 'token revoke <id>',
  summary: 'Revoke an API token (the id from `outpost token list`).',
  help: 'The token stops working immediately, also in a running server. The revocation is recorded in the audit log ($OUTPOST_DATA/private/audit.log, or the bucket of OUTPOST_STORAGE).',
  positionals: [1, 1],
  async run({ positionals }, ctx) {
    const record = await (await tokenStore(ctx)).revoke(positionals[0]!);
    await auditCliChange(ctx, { action: 'token-revoke', target: record.id, details: { key: record.keyName } }, `revoked token ${record.id}`);
    ctx.stdout(`Revoked token ${record.id} (key ${record.keyName}).\n`);
    return 0;
  },
};
