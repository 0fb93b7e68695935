import { expect } from 'vitest';
import { CrxError } from '../../src/crx/crx-errors.ts';

/** Awaits (or calls) something that must fail with a CrxError, and returns its code. */
export async function crxCodeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    expect(err).toBeInstanceOf(CrxError);
    return (err as CrxError).code;
  }
  throw new Error('expected a CrxError, but nothing was thrown');
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
