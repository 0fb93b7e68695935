import { readFileSync } from 'node:fs';
import { isOutpostError } from '../errors.ts';
import { parseCommandArgs } from './args.ts';
import { CliError, type CliContext, type Command } from './command.ts';
import { commands } from './commands/index.ts';
import { commandHelp, groupHelp, helpWidth, overview } from './help.ts';

/** Both src/cli/main.ts and dist/cli/main.js sit two folders below package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
    columns: process.stdout.columns,
  };
}

export async function main(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  const width = helpWidth(ctx);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    ctx.stdout(overview(commands, width));
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    ctx.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const { cmd, rest, group } = findCommand(argv);
  if (!cmd) {
    if (group) {
      const text = groupHelp(group, commands.filter((c) => c.path[0] === group), width);
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
    const parsed = parseCommandArgs(cmd, rest);
    if (parsed.values.help) {
      ctx.stdout(commandHelp(cmd, width));
      return 0;
    }
    const [min, max] = cmd.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new CliError('CLI_USAGE', `expected: outpost ${cmd.usage}`);
    }
    return await cmd.run(parsed, ctx);
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
  if (err instanceof CliError && err.code === 'CLI_BAD_OPTION') {
    ctx.stderr(`${name}: ${err.message}\nUsage: outpost ${cmd.usage}  (\`${name} --help\` lists the options)\n`);
    return 2;
  }
  if (isOutpostError(err)) {
    ctx.stderr(`${name}: ${err.message} [${err.code}]\n`);
    return 1;
  }
  ctx.stderr(`${name}: internal error: ${(err as Error)?.message ?? String(err)}\n`);
  if (ctx.env.OUTPOST_DEBUG) ctx.stderr(`${(err as Error)?.stack ?? ''}\n`);
  return 70;
}
