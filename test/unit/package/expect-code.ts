import { expect } from 'vitest';
import { PackageError } from '../../../src/package/package-errors.ts';

/** Awaits (or calls) something that must fail with a PackageError, and returns its code. */
export async function codeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    expect(err).toBeInstanceOf(PackageError);
    return (err as PackageError).code;
  }
  throw new Error('expected a PackageError, but nothing was thrown');
}
