import { generatePassword } from '../../auth/password.ts';
import { loadConfig } from '../../config.ts';
import { openAuthState, type AuthState } from '../../auth/auth-state.ts';
import { FolderObjects } from '../../storage/objects/folder-objects.ts';
import { S3Objects } from '../../storage/objects/s3-objects.ts';
import { DataLayout } from '../../storage/data-layout.ts';
import type { CliContext, Command, OptionValues } from '../command.ts';
import { optionString, readInputFile } from '../files.ts';

/** The admins and sessions of the deployment a server with this environment serves (a bucket, or the data folder). */
async function stores(ctx: CliContext): Promise<AuthState> {
  const config = loadConfig(ctx.env, ctx.cwd);
  if (config.bucket) return openAuthState(new S3Objects(config.bucket, config.s3));
  const layout = new DataLayout(config.dataDir);
  await layout.ensure();
  return openAuthState(new FolderObjects(layout.root), { auditFile: layout.auditFile });
}

/** From --password-file (`-` is standard input), else a generated one that is printed once. */
async function choosePassword(values: OptionValues, ctx: CliContext): Promise<{ password: string; generated: boolean }> {
  const file = optionString(values, 'password-file');
  if (file === undefined) return { password: generatePassword(), generated: true };
  const text = file === '-' ? await readStdin() : (await readInputFile(ctx, file, 4096)).toString('utf8');
  return { password: text.replace(/\r?\n$/, ''), generated: false };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PASSWORD_HELP = `Options:
  --password-file F  read the password from F (\`-\` for standard input; a final newline is ignored). Without it a strong password is generated and printed once.`;

export const adminCreateCommand: Command = {
  path: ['admin', 'create'],
  usage: 'admin create <user> [--password-file F]',
  summary: 'Create an admin account for the web interface.',
  help: `${PASSWORD_HELP}\n\nExample:\n  outpost admin create alice`,
  options: { 'password-file': { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const { admins, audit } = await stores(ctx);
    const { password, generated } = await choosePassword(values, ctx);
    await admins.create(positionals[0]!, password);
    await audit.record({ actor: 'cli', action: 'admin-create', target: positionals[0]! });
    ctx.stdout(`Created admin ${positionals[0]}.${generated ? `\nPassword (shown only now):\n${password}` : ''}\n`);
    return 0;
  },
};

export const adminPasswdCommand: Command = {
  path: ['admin', 'passwd'],
  usage: 'admin passwd <user> [--password-file F]',
  summary: 'Set a new password for an admin account.',
  help: `${PASSWORD_HELP}\n\nEvery session of that account ends, on every server sharing the data (within the session re-check bound, 5 s).\n\nExample:\n  outpost admin passwd admin --password-file -`,
  options: { 'password-file': { type: 'string' } },
  positionals: [1, 1],
  async run({ values, positionals }, ctx) {
    const { admins, sessions, audit } = await stores(ctx);
    const { password, generated } = await choosePassword(values, ctx);
    await admins.setPassword(positionals[0]!, password);
    // Whoever signed in with the old password (perhaps the reason for the change) is signed out.
    const ended = await sessions.endAllOf(positionals[0]!);
    await audit.record({ actor: 'cli', action: 'admin-passwd', target: positionals[0]!, details: { sessionsEnded: ended } });
    ctx.stdout(`Changed the password of ${positionals[0]}.${generated ? `\nNew password (shown only now):\n${password}` : ''}\n`);
    return 0;
  },
};
