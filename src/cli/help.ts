import type { CliContext, Command } from './command.ts';

const DEFAULT_COLUMNS = 80;
/** Below this, wrapping does more harm than good (one word a line). */
const MIN_COLUMNS = 40;

export function helpWidth(ctx: CliContext): number {
  const columns = ctx.columns && Number.isFinite(ctx.columns) ? ctx.columns : DEFAULT_COLUMNS;
  return Math.max(MIN_COLUMNS, Math.floor(columns));
}

/**
 * Where a line's continuation starts: under the description of an option line (text after a run
 * of two or more spaces, as in `  --token  publishing token`), under the command of a usage line,
 * else under the line's first word.
 */
function hangingIndent(line: string): number {
  if (line.startsWith('Usage: ')) return 'Usage: '.length;
  const option = /^(\s*\S.*?\s{2,})\S/.exec(line);
  if (option && option[1]!.length <= line.length / 2 + 1) return option[1]!.length;
  return /^\s*/.exec(line)![0].length;
}

/**
 * Breaks one line at spaces so no piece is wider than `width` (a longer word stays whole). Runs of
 * spaces inside the first piece are kept: they align option descriptions.
 */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = ' '.repeat(Math.min(hangingIndent(line), width - 20));
  const lead = /^\s*/.exec(line)![0];
  // ['word', '  ', 'word', ' ', …]: words at even positions, the spaces before the next at odd ones.
  const parts = line.slice(lead.length).split(/( +)/);
  const out: string[] = [];
  let current = lead + parts[0]!;
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const word = parts[i + 1]!;
    if (current.length + parts[i]!.length + word.length > width) {
      out.push(current);
      current = indent + word;
    } else {
      current += parts[i]! + word;
    }
  }
  out.push(current);
  return out;
}

/** A shell command to copy: broken at a space it would no longer run, so the terminal may fold it instead. */
const COMMAND_LINE = /^\s+(\$ |outpost |npm |npx |pk12util |export |[A-Z_]+=)/;

/** Wraps every line of a help text to the terminal, keeping option columns aligned and commands whole. */
export function wrapText(text: string, width: number): string {
  let inExample = false;
  return text
    .split('\n')
    .flatMap((line) => {
      if (/^Examples?:$/.test(line)) inExample = true;
      else if (line.trim() === '') inExample = false;
      return inExample || COMMAND_LINE.test(line) ? [line] : wrapLine(line, width);
    })
    .join('\n');
}

/** A command list: usage on its own line, the summary indented under it (fits any width). */
function commandList(cmds: readonly Command[]): string[] {
  return cmds.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]);
}

export function overview(cmds: readonly Command[], width: number): string {
  return wrapText(
    [
      'Usage: outpost <command> [options]',
      '',
      'Outpost keeps extension packages and serves their signed update manifests.',
      '',
      'Commands:',
      ...commandList(cmds),
      '',
      'Run `outpost <command> --help` for the options of one command, `outpost --version` for the version.',
      'Environment: OUTPOST_KEYS (key folder, default ./keys), OUTPOST_DATA (data folder, default ./storage), OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE (passphrase that encrypts private keys at rest).',
      '',
    ].join('\n'),
    width,
  );
}

export function commandHelp(cmd: Command, width: number): string {
  return wrapText(`Usage: outpost ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help.trimEnd()}\n`, width);
}

export function groupHelp(group: string, cmds: readonly Command[], width: number): string {
  return wrapText(`Usage: outpost ${group} <subcommand>\n\n${commandList(cmds).join('\n')}\n`, width);
}
