import type { ParseArgsConfig } from 'node:util';
import { OutpostError } from '../errors.ts';

/** What a command may touch; tests pass their own to run commands in-process. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal (progress output is only drawn then). */
  isTTY: boolean;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  /** Words that select it: `['key', 'create']`. */
  path: string[];
  usage: string;
  summary: string;
  /** Longer help: what it does, each option, an example. */
  help: string;
  options?: OptionSpec;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, ctx: CliContext): Promise<number>;
}

export type CliErrorCode = 'CLI_USAGE' | 'CLI_FILE_NOT_FOUND' | 'CLI_FILE_UNREADABLE';

/** Bad command-line input; the message is shown as is, with a pointer to --help. */
export class CliError extends OutpostError<CliErrorCode> {}
