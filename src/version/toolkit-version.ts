/**
 * Mozilla's toolkit version comparator (nsVersionComparator, what `Services.vc.compare` runs), so
 * Outpost orders add-on versions and checks minVersion/maxVersion exactly like the clients do.
 *
 * A version is split on `.`; each part reads as `<number-a><string-b><number-c><extra-d>`. Numbers
 * compare numerically, strings byte-wise, and an absent string-b / extra-d sorts AFTER any present
 * one ("1.0a" < "1.0"). Missing parts act as "0" ("1" == "1.0.0"), a part that is exactly `*` is
 * INT32_MAX, and a `+` right after number-a means "number-a + 1, string-b 'pre'" ("1.0+" == "1.1pre").
 *
 * Deliberate fidelity choices (the C code works on bytes of a NUL-terminated copy):
 * - Numbers are parsed like C `strtol` (leading whitespace, optional sign, leading digits only).
 *   A number outside int32 becomes 0, as current Firefox does (its own test normalises a too-large
 *   number to 0). Older clients wrapped or saturated instead, which is why isValidVersion rejects
 *   such numbers: a published version must order the same on every client.
 * - `2147483647+` overflows the `+1`; the C code is undefined there, compiled code wraps, and so
 *   do we (to -2147483648). isValidVersion rejects it as well.
 * - Strings are compared as UTF-8 bytes, unsigned. Firefox compares string-b with (usually signed)
 *   `char`, so it may order non-ASCII differently; valid versions are ASCII, so this never matters.
 * - Like a C string, the input ends at the first NUL character.
 */

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;
const STAR = 0x2a;
const encoder = new TextEncoder();
const PRE = encoder.encode('pre');

interface VersionPart {
  numA: number;
  /** null = absent, which sorts after every present string (even an empty one). */
  strB: Uint8Array | null;
  numC: number;
  extraD: Uint8Array | null;
  /** True when a number could not be represented the way every client agrees on. */
  outOfRange: boolean;
}

const ABSENT_PART: VersionPart = { numA: 0, strB: null, numC: 0, extraD: null, outOfRange: false };

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** C `isspace` in the "C" locale: space, \t, \n, \v, \f, \r. */
function isCSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

interface ParsedNumber {
  value: number;
  /** Index just past the number; equals `start` when no digits were found (like strtol). */
  end: number;
  outOfRange: boolean;
}

function parseLong(bytes: Uint8Array, start: number, end: number): ParsedNumber {
  let i = start;
  while (i < end && isCSpace(bytes[i]!)) i++;
  let negative = false;
  if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) {
    negative = bytes[i] === MINUS;
    i++;
  }
  const digitsStart = i;
  let magnitude = 0;
  for (; i < end && isDigit(bytes[i]!); i++) {
    // Stop growing once past int32 so the arithmetic stays exact; the value is discarded anyway.
    if (magnitude <= -INT32_MIN) magnitude = magnitude * 10 + (bytes[i]! - 0x30);
  }
  if (i === digitsStart) return { value: 0, end: start, outOfRange: false };
  const value = negative ? 0 - magnitude : magnitude;
  if (value > INT32_MAX || value < INT32_MIN) return { value: 0, end: i, outOfRange: true };
  return { value, end: i, outOfRange: false };
}

function findNumberStart(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (isDigit(byte) || byte === PLUS || byte === MINUS) return i;
  }
  return -1;
}

function parsePart(bytes: Uint8Array, start: number, end: number): VersionPart {
  if (end - start === 1 && bytes[start] === STAR) {
    return { numA: INT32_MAX, strB: null, numC: 0, extraD: null, outOfRange: false };
  }
  const a = parseLong(bytes, start, end);
  if (a.end === end) return { ...ABSENT_PART, numA: a.value, outOfRange: a.outOfRange };

  if (bytes[a.end] === PLUS) {
    // Whatever follows the `+` is ignored, exactly as in the C code.
    const overflow = a.value === INT32_MAX;
    return {
      numA: (a.value + 1) | 0,
      strB: PRE,
      numC: 0,
      extraD: null,
      outOfRange: a.outOfRange || overflow,
    };
  }

  const numStart = findNumberStart(bytes, a.end, end);
  if (numStart < 0) {
    return { ...ABSENT_PART, numA: a.value, strB: bytes.subarray(a.end, end), outOfRange: a.outOfRange };
  }
  const c = parseLong(bytes, numStart, end);
  return {
    numA: a.value,
    strB: bytes.subarray(a.end, numStart),
    numC: c.value,
    extraD: c.end === end ? null : bytes.subarray(c.end, end),
    outOfRange: a.outOfRange || c.outOfRange,
  };
}

function parseParts(version: string): VersionPart[] {
  const nul = version.indexOf('\0');
  const bytes = encoder.encode(nul < 0 ? version : version.slice(0, nul));
  const parts: VersionPart[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === DOT) {
      // An empty part parses exactly like an absent one, so "1." and "1..2" need no special case.
      parts.push(parsePart(bytes, start, i));
      start = i + 1;
    }
  }
  return parts;
}

function compareNumbers(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareOptionalBytes(x: Uint8Array | null, y: Uint8Array | null): number {
  if (x === null) return y === null ? 0 : 1;
  if (y === null) return -1;
  const shared = Math.min(x.length, y.length);
  for (let i = 0; i < shared; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return compareNumbers(x.length, y.length);
}

function compareParts(x: VersionPart, y: VersionPart): number {
  return (
    compareNumbers(x.numA, y.numA) ||
    compareOptionalBytes(x.strB, y.strB) ||
    compareNumbers(x.numC, y.numC) ||
    compareOptionalBytes(x.extraD, y.extraD)
  );
}

/** Returns -1, 0 or 1 as `a` is older than, the same as, or newer than `b`. Never throws. */
export function compareVersions(a: string, b: string): number {
  const pa = parseParts(a);
  const pb = parseParts(b);
  const count = Math.max(pa.length, pb.length);
  for (let i = 0; i < count; i++) {
    const result = compareParts(pa[i] ?? ABSENT_PART, pb[i] ?? ABSENT_PART);
    if (result !== 0) return result;
  }
  return 0;
}

const MAX_VERSION_LENGTH = 64;
// The charset alone keeps `/`, `\`, `%`, whitespace and NUL out, so a version is always safe to
// put into a file name or URL path.
const VERSION_CHARSET = /^[A-Za-z0-9.+*-]+$/;

function hasSafeShape(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    v.length > 0 &&
    v.length <= MAX_VERSION_LENGTH &&
    VERSION_CHARSET.test(v) &&
    !v.startsWith('.') &&
    !v.endsWith('.') &&
    !v.includes('..')
  );
}

function numbersFitEveryClient(v: string): boolean {
  return parseParts(v).every((part) => !part.outOfRange);
}

/**
 * Whether Outpost accepts `v` as the version of an add-on it publishes. `*` is refused: it means
 * "infinity", so such a release would stay newer than every later one forever.
 */
export function isValidVersion(v: string): boolean {
  return hasSafeShape(v) && !v.includes('*') && numbersFitEveryClient(v);
}

/**
 * Whether `v` is acceptable as a minVersion/maxVersion (strict_min/max_version). `*` may only be a
 * whole part ("4.0.*"); "4.0*" would compare as a string, which is never what the author meant.
 */
export function isValidAppVersionRange(v: string): boolean {
  return (
    hasSafeShape(v) &&
    v.split('.').every((part) => part === '*' || !part.includes('*')) &&
    numbersFitEveryClient(v)
  );
}

/** A new array, newest version first; items with equal versions keep their input order. */
export function sortNewestFirst<T>(items: T[], version: (t: T) => string): T[] {
  const keyed = items.map((item) => ({ item, version: version(item) }));
  // Array.prototype.sort is stable (ES2019), which is what keeps equal versions in input order.
  keyed.sort((x, y) => compareVersions(y.version, x.version));
  return keyed.map((entry) => entry.item);
}
