import { CrxError } from './crx-errors.ts';

/**
 * The protobuf wire format (protobuf.dev/programming-guides/encoding), as little of it as CRX3 needs
 * and strictly: every field is read, nothing is skipped silently. Refused: the group wire types (3, 4)
 * and the undefined ones (6, 7), field number 0 or over 2^29 - 1, truncated or over-long varints
 * (more than 10 bytes, past 64 bits, or padded with a trailing 0x80 0x00), lengths past the end.
 */

export const WIRE = Object.freeze({ varint: 0, i64: 1, len: 2, i32: 5 } as const);

export type ProtoField =
  | { readonly number: number; readonly wireType: typeof WIRE.varint; readonly value: bigint }
  | { readonly number: number; readonly wireType: typeof WIRE.i64 | typeof WIRE.i32 | typeof WIRE.len; readonly value: Buffer };

const MAX_FIELD_NUMBER = 2 ** 29 - 1;
const MAX_VARINT_BYTES = 10;

function malformed(what: string, detail: string): CrxError {
  return new CrxError('CRX_HEADER_INVALID', `The CRX header's ${what} is not valid protobuf: ${detail}.`);
}

/** Reads one varint at `offset`; returns its value and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number, what: string): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const at = offset + i;
    if (at >= bytes.length) throw malformed(what, `a varint at byte ${offset} is cut off`);
    const byte = bytes[at]!;
    // The tenth byte may only carry bit 63.
    if (i === MAX_VARINT_BYTES - 1 && byte > 1) throw malformed(what, `a varint at byte ${offset} exceeds 64 bits`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      // A zero final byte after others only pads: two spellings of one value.
      if (i > 0 && byte === 0) throw malformed(what, `a varint at byte ${offset} is padded with zero bytes`);
      return { value, next: at + 1 };
    }
  }
  throw malformed(what, `a varint at byte ${offset} is longer than ${MAX_VARINT_BYTES} bytes`);
}

/**
 * The fields of one message, in order, lazily, so a caller can stop at the first one it refuses.
 * LEN and fixed-width values are views into `bytes`, not copies.
 */
export function* readProtoFields(bytes: Buffer, what: string): Generator<ProtoField> {
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const tag = readVarint(bytes, offset, what);
    offset = tag.next;
    if (tag.value > BigInt(MAX_FIELD_NUMBER) * 8n + 7n) throw malformed(what, `the tag at byte ${start} names a field number over 2^29 - 1`);
    const wireType = Number(tag.value & 7n);
    const number = Number(tag.value >> 3n);
    if (number === 0) throw malformed(what, `the tag at byte ${start} names field 0`);
    switch (wireType) {
      case WIRE.varint: {
        const v = readVarint(bytes, offset, what);
        offset = v.next;
        yield { number, wireType, value: v.value };
        break;
      }
      case WIRE.i64:
      case WIRE.i32:
      case WIRE.len: {
        let length = wireType === WIRE.i64 ? 8 : 4;
        if (wireType === WIRE.len) {
          const v = readVarint(bytes, offset, what);
          offset = v.next;
          if (v.value > BigInt(bytes.length - offset)) {
            throw malformed(what, `field ${number} at byte ${start} claims ${v.value} bytes, past the end`);
          }
          length = Number(v.value);
        }
        if (offset + length > bytes.length) throw malformed(what, `field ${number} at byte ${start} is cut off`);
        yield { number, wireType, value: bytes.subarray(offset, offset + length) };
        offset += length;
        break;
      }
      default:
        throw malformed(what, `field ${number} at byte ${start} has wire type ${wireType}, which is ${wireType === 3 || wireType === 4 ? 'a group (unsupported)' : 'undefined'}`);
    }
  }
}

/** The shortest varint spelling of a non-negative integer below 2^64. */
export function encodeVarint(input: number | bigint): Buffer {
  let value = BigInt(input);
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`A varint holds 0 to 2^64 - 1, not ${input}.`);
  const out: number[] = [];
  do {
    const low = Number(value & 0x7fn);
    value >>= 7n;
    out.push(value === 0n ? low : low | 0x80);
  } while (value !== 0n);
  return Buffer.from(out);
}

function encodeTag(number: number, wireType: number): Buffer {
  if (!Number.isInteger(number) || number < 1 || number > MAX_FIELD_NUMBER) throw new RangeError(`Field numbers run from 1 to 2^29 - 1, not ${number}.`);
  return encodeVarint(BigInt(number) * 8n + BigInt(wireType));
}

/** Fields in the order given, each in its shortest form (how protobuf serializers write them). */
export function encodeProtoFields(fields: readonly ProtoField[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    parts.push(encodeTag(field.number, field.wireType));
    if (field.wireType === WIRE.varint) {
      parts.push(encodeVarint(field.value));
      continue;
    }
    const expected = field.wireType === WIRE.i64 ? 8 : field.wireType === WIRE.i32 ? 4 : undefined;
    if (expected !== undefined && field.value.length !== expected) throw new RangeError(`Wire type ${field.wireType} holds ${expected} bytes.`);
    if (expected === undefined) parts.push(encodeVarint(field.value.length));
    parts.push(field.value);
  }
  return Buffer.concat(parts);
}

/** One LEN field: what every CRX3 field is. */
export function lenField(number: number, value: Buffer): ProtoField {
  return { number, wireType: WIRE.len, value };
}
