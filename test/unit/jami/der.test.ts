import { describe, expect, it } from 'vitest';
import {
  children,
  decodeOid,
  decodeTime,
  DerError,
  encode,
  encodeOid,
  encodeUnsignedInteger,
  parseDer,
  TAG,
  unsignedInteger,
} from '../../../src/jami/der.ts';

describe('DER reader and writer', () => {
  it('round-trips OIDs, including large arcs and the 2.x first arc', () => {
    for (const oid of ['1.3.6.1.5.5.7.48.1.1', '2.5.29.19', '1.2.840.113549.1.1.13', '2.999.1', '1.3.6.1.4.1.55555.1']) {
      expect(decodeOid(parseDer(encodeOid(oid)), 'oid')).toBe(oid);
    }
    expect(encodeOid('1.2.840.113549')).toEqual(Buffer.from('06062a864886f70d', 'hex'));
  });

  it('encodes long lengths and reads them back', () => {
    const content = Buffer.alloc(300, 7);
    const der = encode(TAG.OCTET_STRING, content);
    expect(der.subarray(0, 4)).toEqual(Buffer.from([0x04, 0x82, 0x01, 0x2c]));
    expect(parseDer(der).content).toEqual(content);
  });

  it('encodes serial numbers as positive INTEGERs', () => {
    expect(encodeUnsignedInteger(Buffer.from([0x80, 0x01]))).toEqual(Buffer.from([0x02, 0x03, 0x00, 0x80, 0x01]));
    expect(encodeUnsignedInteger(Buffer.from([0x00, 0x00, 0x7f]))).toEqual(Buffer.from([0x02, 0x01, 0x7f]));
    expect(unsignedInteger(parseDer(Buffer.from([0x02, 0x03, 0x00, 0x80, 0x01])), 'n')).toEqual(Buffer.from([0x80, 0x01]));
  });

  it('reads UTCTime (50-99 = 19xx) and GeneralizedTime', () => {
    const time = (tag: number, text: string): Date => decodeTime(parseDer(encode(tag, Buffer.from(text))), 't');
    expect(time(TAG.UTC_TIME, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(time(TAG.UTC_TIME, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(time(TAG.GENERALIZED_TIME, '20240101120000Z').toISOString()).toBe('2024-01-01T12:00:00.000Z');
    expect(() => time(TAG.UTC_TIME, '2401011200Z')).toThrow(DerError);
    expect(() => time(TAG.GENERALIZED_TIME, '20240101120000+0100')).toThrow(DerError);
  });

  it.each([
    ['indefinite length', '3080000000'],
    ['a non-minimal length', '30810100'],
    ['a truncated value', '300500'],
    ['trailing bytes', '300000'],
    ['a high tag number', '1f2200'],
    ['empty input', ''],
  ])('refuses %s', (_, hex) => {
    expect(() => parseDer(Buffer.from(hex, 'hex'))).toThrow(DerError);
  });

  it('lists the children of a constructed value and refuses to open a primitive one', () => {
    const seq = parseDer(encode(TAG.SEQUENCE, encode(TAG.NULL), encode(TAG.INTEGER, Buffer.from([5]))));
    expect(children(seq).map((c) => c.tag)).toEqual([TAG.NULL, TAG.INTEGER]);
    expect(() => children(parseDer(encode(TAG.NULL)))).toThrow(DerError);
  });
});
