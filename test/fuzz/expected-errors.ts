import { isOutpostError } from '../../src/errors.ts';

/**
 * Runs one parser call on a fuzz input. Bad input must end in an OutpostError (a coded error the
 * HTTP layer and the CLI know how to report); anything else — a TypeError from an unchecked field,
 * a RangeError from a runaway allocation, a raw library error — would reach the user as a 500, so
 * it is rethrown and the fuzzer records the input as a finding.
 */
export async function expectOnlyOutpostErrors(call: () => unknown): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isOutpostError(err)) throw err;
  }
}
