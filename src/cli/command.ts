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
  /** Terminal width that help text is wrapped to; 80 when unknown (a pipe, a test). */
  columns?: number;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed options: strings, booleans, and lists for options declared `multiple`. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** Words that select it: `['key', 'create']`. */
  path: string[];
  /** One line, short enough not to wrap in an 80-column terminal. */
  usage: string;
  summary: string;
  /** Longer help: what it does, each option, an example. */
  help: string;
  options?: OptionSpec;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
  run(args: { values: OptionValues; positionals: string[] }, ctx: CliContext): Promise<number>;
}

export type CliErrorCode =
  | 'CLI_USAGE'
  | 'CLI_BAD_OPTION'
  | 'CLI_FILE_NOT_FOUND'
  | 'CLI_FILE_UNREADABLE'
  | 'CLI_NO_KEYS_FOLDER'
  | 'CLI_NO_DATA_FOLDER'
  | 'CLI_AUDIT_FAILED';

/**
 * Bad command-line input or local setup; the message is shown as is. CLI_USAGE adds a pointer to
 * --help, CLI_BAD_OPTION (an option the command does not have, or one without its value) the
 * command's usage line.
 */
export class CliError extends OutpostError<CliErrorCode> {}
