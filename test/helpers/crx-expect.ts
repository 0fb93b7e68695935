import { expect } from 'vitest';
import { CrxError } from '../../src/crx/crx-errors.ts';
import { errorCodeOf } from './jami-expect.ts';

/** Awaits (or calls) something that must fail with a CrxError, and returns its code. */
export function crxCodeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  return errorCodeOf(action, CrxError);
}

/** The synchronous form, for table tests. */
export function crxCodeOfSync(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(CrxError);
    return (err as CrxError).code;
  }
  throw new Error('expected a CrxError, but nothing was thrown');
}
