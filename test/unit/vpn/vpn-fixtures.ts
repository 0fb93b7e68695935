import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { VpnError } from '../../../src/vpn/vpn-errors.ts';

/** The committed .rcc files (test/fixtures/vpn/SOURCE.md) and the files they were built from. */
export const FIXTURE_DIR = path.resolve(import.meta.dirname, '../../fixtures/vpn');

export const FIXTURES = {
  v1: 'message_demo.v1.rcc',
  v2: 'message_demo.v2.rcc',
  zstd: 'message_demo.v3-zstd.rcc',
  zlib: 'message_demo.v3-zlib.rcc',
  none: 'message_demo.v3-none.rcc',
  prefixed: 'message_demo.prefixed.rcc',
} as const;

export function fixture(name: keyof typeof FIXTURES): Buffer {
  return readFileSync(path.join(FIXTURE_DIR, FIXTURES[name]));
}

/** Resource path → content, as listed in src/message_demo.qrc. */
export const SOURCES: Readonly<Record<string, Buffer>> = Object.fromEntries(
  ['manifest.json', 'condition.js', 'i18n/locale_en.xml', 'i18n/translations.completeness'].map((p) => [p, readFileSync(path.join(FIXTURE_DIR, 'src/message_demo', p))]),
);

/** Runs fn, which must throw a VpnError; answers its code. */
export function vpnCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VpnError) return err.code;
    throw err;
  }
  throw new Error('expected a VpnError, but nothing was thrown');
}

/** Runs fn and fails the test on any exception but a VpnError (a hostile input's only allowed answer). */
export function onlyVpnErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof VpnError)) expect.fail(`expected a VpnError or success, got ${String(err)}`);
  }
}
