import type { Template } from './fixtures.ts';
import type { Scratch } from './processes.ts';

/** What every benchmark gets from run.ts. */
export interface BenchContext {
  scratch: Scratch;
  template: Template;
  /** Where server logs go (inside a scratch dir). */
  logDir: string;
  /** Progress goes to stderr; the table alone goes to stdout. */
  log(message: string): void;
}
