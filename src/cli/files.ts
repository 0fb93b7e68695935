import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, type CliContext, type OptionValues } from './command.ts';

export function resolvePath(ctx: CliContext, file: string): string {
  return path.resolve(ctx.cwd, file);
}

/** Reads a file named on the command line, turning fs errors into one-line reasons. */
export async function readInputFile(ctx: CliContext, file: string, maxBytes = 512 * 1024 * 1024): Promise<Buffer> {
  const full = resolvePath(ctx, file);
  try {
    const data = await readFile(full);
    if (data.length > maxBytes) throw new CliError('CLI_FILE_UNREADABLE', `${file} is larger than ${maxBytes} bytes.`);
    return data;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError('CLI_FILE_NOT_FOUND', `${file}: no such file.`);
    if (code === 'EISDIR') throw new CliError('CLI_FILE_UNREADABLE', `${file} is a directory.`);
    throw new CliError('CLI_FILE_UNREADABLE', `${file}: cannot read (${code ?? 'unknown error'}).`);
  }
}

export function optionString(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
