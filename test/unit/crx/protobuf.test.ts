import { describe, expect, it } from 'vitest';
import { encodeProtoFields, encodeVarint, readProtoFields, readVarint, WIRE, type ProtoField } from '../../../src/crx/protobuf.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fields = (bytes: Buffer): ProtoField[] => [...readProtoFields(bytes, 'test message')];

describe('varints', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [80002, '82f104'], // tag of field 10000, wire type 2: signed_header_data as Chromium writes it
    [2 ** 32 - 1, 'ffffffff0f'],
  ])('%d is %s', (value, spelled) => {
    expect(encodeVarint(value).toString('hex')).toBe(spelled);
    expect(readVarint(hex(spelled), 0, 'x')).toEqual({ value: BigInt(value), next: spelled.length / 2 });
  });

  it('reads and writes the full 64 bits', () => {
    const max = (1n << 64n) - 1n;
    expect(encodeVarint(max).toString('hex')).toBe('ffffffffffffffffff01');
    expect(readVarint(encodeVarint(max), 0, 'x').value).toBe(max);
    expect(() => encodeVarint(1n << 64n)).toThrow(RangeError);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
  });

  it.each([
    ['cut off', '80'],
    ['cut off after several bytes', 'ffffff'],
    ['padded with a zero byte', '8000'],
    ['padded with several zero bytes', '818080 00'],
    ['over 64 bits in the tenth byte', 'ffffffffffffffffff02'],
    ['longer than ten bytes', 'ffffffffffffffffff8101'],
  ])('refuses a varint %s', (_why, bytes) => {
    expect(crxCodeOfSync(() => readVarint(hex(bytes), 0, 'x'))).toBe('CRX_HEADER_INVALID');
  });
});

describe('readProtoFields', () => {
  it('reads every wire type CRX3 could meet, in order, as views', () => {
    const bytes = hex('0a 03 616263  10 96 01  19 0102030405060708  25 01020304  82f104 00');
    expect(fields(bytes)).toEqual([
      { number: 1, wireType: WIRE.len, value: Buffer.from('abc') },
      { number: 2, wireType: WIRE.varint, value: 150n },
      { number: 3, wireType: WIRE.i64, value: hex('0102030405060708') },
      { number: 4, wireType: WIRE.i32, value: hex('01020304') },
      { number: 10000, wireType: WIRE.len, value: Buffer.alloc(0) },
    ]);
    expect(encodeProtoFields(fields(bytes))).toEqual(bytes);
  });

  it('reads nothing from nothing', () => {
    expect(fields(Buffer.alloc(0))).toEqual([]);
  });

  it.each([
    ['a start-group wire type', '0b'],
    ['an end-group wire type', '0c'],
    ['wire type 6', '0e 00'],
    ['wire type 7', '0f 00'],
    ['field number 0', '02 00'],
    ['a field number over 2^29 - 1', '8280808080 01 00'],
    ['a length past the end', '0a 05 6162'],
    ['a huge length', '0a ffffffff0f 00'],
    ['a cut-off length', '0a'],
    ['a cut-off fixed64', '19 01020304'],
    ['a cut-off fixed32', '25 0102'],
    ['a cut-off tag', '82'],
    ['a padded tag', '8a00 00'],
    ['a padded length', '0a 8100 61'],
    ['a cut-off varint value', '10 80'],
  ])('refuses %s', (_why, bytes) => {
    expect(crxCodeOfSync(() => fields(hex(bytes)))).toBe('CRX_HEADER_INVALID');
  });

  it('stops at the first field a caller refuses, before reading the rest', () => {
    const iterator = readProtoFields(hex('0a 00 0b'), 'x');
    expect(iterator.next().value).toMatchObject({ number: 1 });
    expect(crxCodeOfSync(() => iterator.next())).toBe('CRX_HEADER_INVALID');
  });
});

describe('encodeProtoFields', () => {
  it('refuses what cannot be written', () => {
    expect(() => encodeProtoFields([{ number: 0, wireType: WIRE.len, value: Buffer.alloc(0) }])).toThrow(RangeError);
    expect(() => encodeProtoFields([{ number: 2 ** 29, wireType: WIRE.len, value: Buffer.alloc(0) }])).toThrow(RangeError);
    expect(() => encodeProtoFields([{ number: 1, wireType: WIRE.i32, value: Buffer.alloc(3) }])).toThrow(RangeError);
  });
});
