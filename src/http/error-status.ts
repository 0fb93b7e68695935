import { ERROR_STATUS, type ErrorCode } from '../error-codes.ts';

/**
 * The status a code answers with, from the one table in src/error-codes.ts. Anything else (an
 * error without an Outpost code) is not the client's fault: 500, with the cause logged.
 */
export function statusForCode(code: string): number {
  return Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code as ErrorCode] : 500;
}
