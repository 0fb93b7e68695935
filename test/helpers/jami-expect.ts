import { expect } from 'vitest';
import { OutpostError } from '../../src/errors.ts';

/**
 * Awaits (or calls) something that must fail with an error of `kind` (default: any OutpostError)
 * and returns its code. The one helper behind every "expect this code" in the tests.
 */
export async function errorCodeOf(action: Promise<unknown> | (() => unknown), kind: abstract new (...args: never[]) => OutpostError = OutpostError): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return (err as OutpostError).code;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}

/** A JamiError, or a PackageError for archive problems. */
export function errorCode(action: Promise<unknown> | (() => unknown)): Promise<string> {
  return errorCodeOf(action);
}
