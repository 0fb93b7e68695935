import { OutpostError } from '../../src/errors.ts';

/** Calls something that must throw an OutpostError and returns its code (undefined if it did not throw). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof OutpostError)) throw err;
    return err.code;
  }
  return undefined;
}
