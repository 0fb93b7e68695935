/**
 * A small strict DER reader and writer for the X.509, CRL and OCSP structures Outpost checks.
 *
 * Why not node-forge's ASN.1: signatures cover exact byte ranges (tbsCertList, tbsResponseData)
 * and OCSP hashes the issuer Name exactly as encoded, so the reader must hand back the original
 * bytes of every node rather than a re-encoding. Only definite lengths and low tag numbers are
 * accepted: everything signed in these formats is DER.
 */

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag byte: [n] constructed (EXPLICIT or constructed IMPLICIT) or primitive. */
export const context = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n;

export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number). */
  readonly tag: number;
  /** The whole encoding: identifier, length and contents. */
  readonly raw: Buffer;
  readonly content: Buffer;
}

function readOne(buf: Buffer, offset: number): { node: DerNode; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated DER value');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in these structures');
  let length = buf[offset + 1]!;
  let header = 2;
  if (length === 0x80) throw new DerError('indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || offset + 2 + count > buf.length) throw new DerError('DER length too large or truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i]!;
    if (length < 0x80 || buf[offset + 2] === 0) throw new DerError('DER length is not minimally encoded');
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new DerError('truncated DER value');
  return {
    node: { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) },
    next: end,
  };
}

/** Parses one value that must span all of `buf`. */
export function parseDer(buf: Buffer): DerNode {
  const { node, next } = readOne(buf, 0);
  if (next !== buf.length) throw new DerError('trailing bytes after the DER value');
  return node;
}

/** The values inside a constructed node. */
export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError('expected a constructed value');
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const { node: child, next } = readOne(node.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** Checks a node's tag, naming the field in the error. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new DerError(`${what}: unexpected or missing value`);
  return node;
}

export function sequenceOf(node: DerNode | undefined, what: string): DerNode[] {
  return children(expectTag(node, TAG.SEQUENCE, what));
}

/** The single value inside an EXPLICIT [n] tag. */
export function explicit(node: DerNode, what: string): DerNode {
  const inner = children(node);
  if (inner.length !== 1) throw new DerError(`${what}: an explicit tag must hold one value`);
  return inner[0]!;
}

export function decodeOid(node: DerNode | undefined, what: string): string {
  const bytes = expectTag(node, TAG.OID, what).content;
  if (bytes.length === 0) throw new DerError(`${what}: empty OID`);
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError(`${what}: OID arc too large`);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  if ((bytes[bytes.length - 1]! & 0x80) !== 0) throw new DerError(`${what}: truncated OID`);
  return parts.join('.');
}

/** INTEGER contents as unsigned big-endian bytes without leading zeros (serial numbers). */
export function unsignedInteger(node: DerNode | undefined, what: string): Buffer {
  const bytes = expectTag(node, TAG.INTEGER, what).content;
  if (bytes.length === 0) throw new DerError(`${what}: empty INTEGER`);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

export function smallInteger(node: DerNode | undefined, what: string, tag: number = TAG.INTEGER): number {
  const bytes = expectTag(node, tag, what).content;
  if (bytes.length === 0 || bytes.length > 4 || (bytes[0]! & 0x80) !== 0) throw new DerError(`${what}: bad small INTEGER`);
  return bytes.readUIntBE(0, bytes.length);
}

/** BIT STRING contents without the unused-bits octet (the octet is returned separately). */
export function bitString(node: DerNode | undefined, what: string): { bytes: Buffer; unusedBits: number } {
  const content = expectTag(node, TAG.BIT_STRING, what).content;
  const unusedBits = content[0];
  if (unusedBits === undefined || unusedBits > 7) throw new DerError(`${what}: bad BIT STRING`);
  return { bytes: content.subarray(1), unusedBits };
}

/** UTCTime or GeneralizedTime (UTC only, as RFC 5280 requires). */
export function decodeTime(node: DerNode | undefined, what: string): Date {
  if (!node || (node.tag !== TAG.UTC_TIME && node.tag !== TAG.GENERALIZED_TIME)) throw new DerError(`${what}: expected a time`);
  const text = node.content.toString('latin1');
  const m =
    node.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError(`${what}: malformed time "${text}"`);
  let year = Number(m[1]);
  if (node.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(date.getTime())) throw new DerError(`${what}: impossible time "${text}"`);
  return date;
}

// ---- Writer (for the one structure Outpost sends: an OCSP request) ----

export function encode(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const first = arcs[0]! * 40 + arcs[1]!;
  const out: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
    out.push(...chunk);
  }
  return encode(TAG.OID, Buffer.from(out));
}

/** An unsigned big-endian value as a DER INTEGER (a 0x00 is prefixed when the top bit is set). */
export function encodeUnsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return encode(TAG.INTEGER, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** Cuts a PEM file into the DER bodies of its blocks of the given label (e.g. CERTIFICATE). */
export function pemBlocks(text: string, label: string): Buffer[] {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const out: Buffer[] = [];
  // indexOf, not a lazy regex: thousands of BEGIN lines without an END made that quadratic.
  for (let start = text.indexOf(begin); start !== -1; ) {
    const stop = text.indexOf(end, start + begin.length);
    if (stop === -1) break;
    const body = text.slice(start + begin.length, stop).replace(/\s+/g, '');
    start = text.indexOf(begin, stop + end.length);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new DerError(`a ${label} PEM block is not base64`);
    out.push(Buffer.from(body, 'base64'));
  }
  return out;
}
