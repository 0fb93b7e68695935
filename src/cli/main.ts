import { parseArgs } from 'node:util';
import { isOutpostError } from '../errors.ts';
import { CliError, type CliContext, type Command } from './command.ts';
import { commands } from './commands/index.ts';

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

function overview(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  const lines = commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: outpost <command> [options]',
    '',
    'Outpost keeps extension packages and serves their signed update manifests.',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `outpost <command> --help` for the options of one command.',
    'Environment: OUTPOST_KEYS (key folder, default ./keys), OUTPOST_KEY_PASSPHRASE or',
    'OUTPOST_KEY_PASSPHRASE_FILE (passphrase that encrypts private keys at rest).',
    '',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  return `Usage: outpost ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help.trimEnd()}\n`;
}

/** The longest command path that the arguments start with. */
function findCommand(argv: string[]): { cmd?: Command; rest: string[]; group?: string } {
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const cmd of sorted) {
    if (cmd.path.every((word, i) => argv[i] === word)) return { cmd, rest: argv.slice(cmd.path.length) };
  }
  const group = commands.some((c) => c.path.length > 1 && c.path[0] === argv[0]) ? argv[0] : undefined;
  return { rest: argv, group };
}

export function defaultContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

export async function main(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    ctx.stdout(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const { cmd, rest, group } = findCommand(argv);
  if (!cmd) {
    if (group) {
      const sub = commands.filter((c) => c.path[0] === group);
      const text = `Usage: outpost ${group} <subcommand>\n\n${sub.map((c) => `  ${c.usage}  ${c.summary}`).join('\n')}\n`;
      if (argv.length === 2 && (argv[1] === '--help' || argv[1] === '-h')) {
        ctx.stdout(text);
        return 0;
      }
      if (argv.length === 1) {
        ctx.stderr(text);
        return 2;
      }
      ctx.stderr(`outpost: unknown command "${argv.slice(0, 2).join(' ')}". Run \`outpost ${group} --help\`.\n`);
      return 2;
    }
    ctx.stderr(`outpost: unknown command "${argv[0]}". Run \`outpost --help\` for the list.\n`);
    return 2;
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...HELP_OPTION, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      ctx.stdout(commandHelp(cmd));
      return 0;
    }
    const [min, max] = cmd.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new CliError('CLI_USAGE', `expected: outpost ${cmd.usage}`);
    }
    return await cmd.run(parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] }, ctx);
  } catch (err) {
    return report(err, cmd, ctx);
  }
}

function report(err: unknown, cmd: Command, ctx: CliContext): number {
  const name = `outpost ${cmd.path.join(' ')}`;
  if (err instanceof CliError && err.code === 'CLI_USAGE') {
    ctx.stderr(`${name}: ${err.message} (see \`${name} --help\`)\n`);
    return 2;
  }
  if (isOutpostError(err)) {
    ctx.stderr(`${name}: ${err.message} [${err.code}]\n`);
    return 1;
  }
  // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    ctx.stderr(`${name}: ${(err as Error).message} (see \`${name} --help\`)\n`);
    return 2;
  }
  ctx.stderr(`${name}: internal error: ${(err as Error)?.message ?? String(err)}\n`);
  if (ctx.env.OUTPOST_DEBUG) ctx.stderr(`${(err as Error)?.stack ?? ''}\n`);
  return 70;
}
