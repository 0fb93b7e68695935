import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/commands/index.ts';
import { main } from '../../../src/cli/main.ts';
import { cliRunner } from '../../helpers/cli.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Runs main() with a given terminal width. */
async function runAt(columns: number | undefined, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { env: {}, cwd: ROOT, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: true, columns });
  return { code, stdout, stderr };
}

/** Lines of help that are prose (commands to copy are left whole on purpose). */
function proseLines(text: string): string[] {
  let example = false;
  return text.split('\n').filter((line) => {
    if (/^Examples?:$/.test(line)) example = true;
    else if (line.trim() === '') example = false;
    return !example && !/^\s+(outpost |pk12util |export |[A-Z_]+=)/.test(line);
  });
}

describe('outpost (the command itself)', () => {
  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cliRunner().run('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await cliRunner().run('-V')).stdout).toBe(`${version}\n`);
  });

  it('answers an unknown option with the command\'s usage, not the option parser\'s text', async () => {
    const out = await cliRunner().run('inspect', 'a.xpi', '--no-such-option');
    expect(out.code).toBe(2);
    expect(out.stderr).toBe('outpost inspect: unknown option --no-such-option\nUsage: outpost inspect <file.xpi>  (`outpost inspect --help` lists the options)\n');
    expect(out.stderr).not.toMatch(/positional|'--'/);
  });

  it('names an option that lacks its value, or got another option as its value', async () => {
    const { run } = cliRunner();
    const missing = await run('publish', 'a.xpi', '--server');
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('outpost publish: --server needs a value');
    expect(missing.stderr).toContain('Usage: outpost publish <file>');
    const swallowed = await run('publish', 'a.xpi', '--server', '--token', 't');
    expect(swallowed.stderr.split('\n')[0]).toMatch(/^outpost publish: --server needs a value \(write --server=--token/);
    const flag = await run('hash', 'f', '--help=yes');
    expect(flag.stderr.split('\n')[0]).toBe('outpost hash: --help takes no value');
  });

  it('wraps help to the terminal width (80 columns when unknown), keeping usage lines and option columns', async () => {
    for (const columns of [undefined, 60, 100]) {
      const width = columns ?? 80;
      const overview = await runAt(columns, '--help');
      for (const line of proseLines(overview.stdout)) expect(line.length, line).toBeLessThanOrEqual(width);
      for (const cmd of commands) {
        const help = await runAt(columns, ...cmd.path, '--help');
        for (const line of proseLines(help.stdout)) expect(line.length, `${cmd.path.join(' ')}: ${line}`).toBeLessThanOrEqual(width);
      }
    }
    const publish = (await runAt(60, 'publish', '--help')).stdout;
    // A wrapped option description continues under its own column.
    expect(publish).toMatch(/\n {2}--token {12}API token; default: \$OUTPOST_TOKEN\.\n {21}\S/);
    // At 80 columns, usage lines never wrap: the README and the overview show them whole.
    for (const cmd of commands) expect(`Usage: outpost ${cmd.usage}`.length, cmd.usage).toBeLessThanOrEqual(80);
  });

  it('lists withdraw, restore and rebuild', async () => {
    const overview = (await cliRunner().run('--help')).stdout;
    for (const word of ['withdraw <id> [<version>]', 'restore <id> <version>', 'rebuild']) expect(overview).toContain(word);
  });
});
