import { compareVersions } from '../version/toolkit-version.ts';

/**
 * The toolkit comparator (version/toolkit-version.ts) parses both strings on every call, which is
 * most of what placing a client's appVersion among an add-on's range bounds would cost per
 * request. For the versions clients actually send and most bounds ("115.0", "2.53.1", "128.*"),
 * the comparator reduces to comparing integer lists: each part is a number (at most 9 digits, so
 * it never leaves int32), a `*` part is INT32_MAX, missing parts are 0. Anything else ("57.0a1",
 * "1.0+", a 10-digit part) is not numeric and takes the toolkit comparator, which stays the only
 * definition of the order (a property test checks that the two agree).
 */
export type NumericVersion = readonly number[];

const INT32_MAX = 2147483647;
const DOT = 0x2e;
const STAR = 0x2a;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The integer parts of a numeric version (`\d{1,9}` parts, later parts may be `*`), or undefined
 * when it is not one. A character loop rather than a regex and split: it runs per update query.
 */
export function numericVersion(version: string): NumericVersion | undefined {
  const parts: number[] = [];
  let value = 0;
  let digits = 0;
  let star = false;
  for (let i = 0; i <= version.length; i++) {
    const c = i < version.length ? version.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 && !star) return undefined;
      parts.push(star ? INT32_MAX : value);
      value = 0;
      digits = 0;
      star = false;
    } else if (c >= ZERO && c <= NINE && !star) {
      if (++digits > 9) return undefined;
      value = value * 10 + (c - ZERO);
    } else if (c === STAR && digits === 0 && !star && parts.length > 0) {
      star = true;
    } else {
      return undefined;
    }
  }
  return parts;
}

export function compareNumeric(a: NumericVersion, b: NumericVersion): number {
  const count = Math.max(a.length, b.length);
  for (let i = 0; i < count; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A version with its numeric form when it has one: compared fast when both sides do. */
export interface ParsedVersion {
  text: string;
  numeric: NumericVersion | undefined;
}

export function parsedVersion(text: string): ParsedVersion {
  return { text, numeric: numericVersion(text) };
}

export function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  return a.numeric && b.numeric ? compareNumeric(a.numeric, b.numeric) : compareVersions(a.text, b.text);
}
