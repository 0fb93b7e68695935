import { PackageError } from '../../../src/package/package-errors.ts';
import { errorCodeOf } from '../../helpers/jami-expect.ts';

/** Awaits (or calls) something that must fail with a PackageError, and returns its code. */
export function codeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  return errorCodeOf(action, PackageError);
}
