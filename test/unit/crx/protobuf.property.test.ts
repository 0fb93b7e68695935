import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrxError } from '../../../src/crx/crx-errors.ts';
import { encodeProtoFields, readProtoFields, WIRE, type ProtoField } from '../../../src/crx/protobuf.ts';

/**
 * The protobuf reader on arbitrary input: it answers with fields or a CRX_HEADER_INVALID, never
 * anything else; whatever it accepts is canonical (writing it back gives the same bytes, because
 * padded varints are refused); and writing then reading any list of fields round-trips.
 */

const fieldNumber = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(10000, 2 ** 29 - 1), fc.integer({ min: 1, max: 2 ** 29 - 1 }));
const field: fc.Arbitrary<ProtoField> = fc.oneof(
  fc.record({ number: fieldNumber, wireType: fc.constant(WIRE.varint), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ number: fieldNumber, wireType: fc.constant(WIRE.len), value: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) }),
  fc.record({ number: fieldNumber, wireType: fc.constant(WIRE.i64), value: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a)) }),
  fc.record({ number: fieldNumber, wireType: fc.constant(WIRE.i32), value: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)) }),
);

function decode(bytes: Buffer): ProtoField[] | CrxError {
  try {
    return [...readProtoFields(bytes, 'fuzz')];
  } catch (err) {
    if (err instanceof CrxError && err.code === 'CRX_HEADER_INVALID') return err;
    throw err;
  }
}

describe('protobuf properties', () => {
  it('round-trips any list of fields', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 12 }), (list) => {
        expect(decode(encodeProtoFields(list))).toEqual(list);
      }),
      { numRuns: 500 },
    );
  });

  it('answers arbitrary bytes with fields or CRX_HEADER_INVALID, and what it accepts is canonical', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (array) => {
        const bytes = Buffer.from(array);
        const result = decode(bytes);
        if (!(result instanceof CrxError)) expect(encodeProtoFields(result)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers mutations of valid messages the same way', () => {
    const mutated = fc
      .tuple(fc.array(field, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([list, edits, cut]) => {
        const bytes = Buffer.from(encodeProtoFields(list));
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        return bytes.subarray(0, bytes.length - (cut % 3));
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        const result = decode(bytes);
        if (!(result instanceof CrxError)) expect(encodeProtoFields(result)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
