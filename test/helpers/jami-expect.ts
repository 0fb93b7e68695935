import { expect } from 'vitest';
import { OutpostError } from '../../src/errors.ts';

/**
 * Awaits (or calls) something that must fail with an OutpostError (a JamiError, or a PackageError
 * for archive problems) and returns its code.
 */
export async function errorCode(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    expect(err).toBeInstanceOf(OutpostError);
    return (err as OutpostError).code;
  }
  throw new Error('expected an OutpostError, but nothing was thrown');
}
