import { isOutpostError } from '../../errors.ts';
import { statusForCode } from '../error-status.ts';

/** A coded error a person can fix becomes a message next to the form; anything else is rethrown. */
export function userError(err: unknown): { code: string; message: string; status: number } {
  if (isOutpostError(err) && statusForCode(err.code) < 500) return { code: err.code, message: err.message, status: statusForCode(err.code) };
  throw err;
}
