import { CrxError } from './crx-errors.ts';

/**
 * Chromium's version numbers (base/version.cc, checked against Chromium 156's packer): dot-separated
 * decimal parts, each 0 to 2^32 - 1, digits only (no sign, space or empty part); the first part has no
 * leading zero ("01.0" and "00" are refused) while later parts may ("1.00" is 1.0). Compared part by
 * part as numbers, missing parts counting as 0, so 1.0 == 1.0.0 and 1.10 > 1.9.
 */

const UINT32_MAX = 0xffffffff;
const DIGITS = /^[0-9]+$/;

/** The numeric parts, or undefined when Chromium would not read `text` as a version. */
export function parseChromiumVersion(text: string): number[] | undefined {
  const parts: number[] = [];
  for (const [index, part] of text.split('.').entries()) {
    if (!DIGITS.test(part)) return undefined;
    if (index === 0 && part.length > 1 && part.startsWith('0')) return undefined;
    // Long runs of digits lose precision as numbers but stay far above the limit.
    const value = Number(part);
    if (value > UINT32_MAX) return undefined;
    parts.push(value);
  }
  return parts;
}

export function isChromiumVersion(text: string): boolean {
  return parseChromiumVersion(text) !== undefined;
}

function partsOf(text: string): number[] {
  const parts = parseChromiumVersion(text);
  if (parts === undefined) throw new RangeError(`"${text}" is not a Chromium version.`);
  return parts;
}

/** Negative, zero or positive as a is older than, equal to or newer than b. Throws on non-versions. */
export function compareChromiumVersions(a: string, b: string): number {
  const left = partsOf(a);
  const right = partsOf(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

const MAX_EXTENSION_PART = 65535;
const CANONICAL_PART = /^(0|[1-9][0-9]*)$/;

/**
 * An extension's manifest "version" as Outpost accepts it: 1 to 4 parts of 0 to 65535 (the
 * documented rule; Chromium 156 lets parts run to 2^32 - 1), written without leading zeros. Chromium
 * reads "1.01" as 1.1 and reports it so in update checks; refusing the zero keeps one spelling per
 * version, so two uploads can never be the same version under different names.
 */
export function checkExtensionVersion(text: string): string {
  const parts = text.split('.');
  const fail = (why: string): never => {
    throw new CrxError('CRX_MANIFEST_VERSION_INVALID', `manifest.json "version" "${text}" ${why}. Write 1 to 4 numbers from 0 to 65535 separated by dots, such as 1.2.0.`);
  };
  if (parts.length > 4) fail('has more than four parts');
  for (const part of parts) {
    if (!DIGITS.test(part)) fail(part === '' ? 'has an empty part' : `has a part "${part}" that is not a number`);
    if (!CANONICAL_PART.test(part)) fail(`has a part "${part}" with a leading zero`);
    if (Number(part) > MAX_EXTENSION_PART) fail(`has a part ${part} over 65535`);
  }
  return text;
}
