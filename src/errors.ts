import type { ErrorCode } from './error-codes.ts';

/**
 * One base error for everything Outpost reports to a user. Each domain has a closed set of codes,
 * all drawn from src/error-codes.ts (a code without a status there does not compile); only the
 * HTTP layer and the CLI turn a code into a status or an exit message, and tests assert the code,
 * never the wording.
 */
export class OutpostError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isOutpostError(err: unknown): err is OutpostError {
  return err instanceof OutpostError;
}
