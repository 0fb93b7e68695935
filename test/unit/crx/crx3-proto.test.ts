import { describe, expect, it } from 'vitest';
import { decodeCrxFileHeader, decodeSignedData, encodeCrxFileHeader, encodeSignedData } from '../../../src/crx/crx3-proto.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';
import { field, varint } from '../../helpers/crx-build.ts';

const id16 = Buffer.alloc(16, 7);
const shd = field(1, id16);
const proof = (n: number, key = 'key', sig = 'sig'): Buffer => field(n, Buffer.concat([field(1, Buffer.from(key)), field(2, Buffer.from(sig))]));

describe('CrxFileHeader', () => {
  it('maps wire names to ours: RSA proofs first, then ECDSA, each in file order', () => {
    const bytes = Buffer.concat([proof(3, 'ec1'), proof(2, 'rsa1'), field(4, Buffer.from('vc')), proof(2, 'rsa2'), field(10000, shd)]);
    const header = decodeCrxFileHeader(bytes);
    expect(header.proofs.map((p) => [p.algorithm, p.publicKey.toString()])).toEqual([
      ['sha256_with_rsa', 'rsa1'],
      ['sha256_with_rsa', 'rsa2'],
      ['sha256_with_ecdsa', 'ec1'],
    ]);
    expect(header.verifiedContents?.toString()).toBe('vc');
    expect(header.signedHeaderData).toEqual(shd);
  });

  it('writes fields in field-number order, as protobuf serializers do', () => {
    const bytes = Buffer.concat([proof(2, 'rsa1'), proof(2, 'rsa2'), proof(3, 'ec1'), field(4, Buffer.from('vc')), field(10000, shd)]);
    expect(encodeCrxFileHeader(decodeCrxFileHeader(bytes))).toEqual(bytes);
  });

  it.each([
    ['an unknown field', Buffer.concat([proof(2), field(5, Buffer.from('x')), field(10000, shd)])],
    ['an unknown varint field', Buffer.concat([proof(2), varint(1 * 8 + 0), varint(1), field(10000, shd)])],
    ['signed_header_data as a varint', Buffer.concat([proof(2), varint(10000 * 8), varint(1)])],
    ['a proof as a fixed32', Buffer.concat([varint(2 * 8 + 5), Buffer.alloc(4), field(10000, shd)])],
    ['two signed_header_data', Buffer.concat([proof(2), field(10000, shd), field(10000, shd)])],
    ['two verified_contents', Buffer.concat([proof(2), field(4, Buffer.from('a')), field(4, Buffer.from('b')), field(10000, shd)])],
    ['no signed_header_data', proof(2)],
    ['an empty header', Buffer.alloc(0)],
    ['a proof without a key', Buffer.concat([field(2, field(2, Buffer.from('sig'))), field(10000, shd)])],
    ['a proof without a signature', Buffer.concat([field(2, field(1, Buffer.from('key'))), field(10000, shd)])],
    ['a proof with two keys', Buffer.concat([field(2, Buffer.concat([field(1, Buffer.from('a')), field(1, Buffer.from('b')), field(2, Buffer.from('s'))])), field(10000, shd)])],
    ['a proof with an unknown field', Buffer.concat([field(2, Buffer.concat([field(1, Buffer.from('a')), field(2, Buffer.from('s')), field(3, Buffer.from('?'))])), field(10000, shd)])],
    ['a proof that is not a message', Buffer.concat([field(2, Buffer.from([0xff])), field(10000, shd)])],
  ])('refuses %s', (_why, bytes) => {
    expect(crxCodeOfSync(() => decodeCrxFileHeader(bytes))).toBe('CRX_HEADER_INVALID');
  });

  it('counts proofs of both kinds against the cap, and stops reading at the first one over it', () => {
    const three = Buffer.concat([proof(2), proof(3), proof(2), field(10000, shd)]);
    expect(decodeCrxFileHeader(three, 3).proofs).toHaveLength(3);
    expect(crxCodeOfSync(() => decodeCrxFileHeader(three, 2))).toBe('CRX_TOO_MANY_PROOFS');
    // The bytes after the third proof are garbage: the cap is met before they are read.
    const garbageAfter = Buffer.concat([proof(2), proof(3), proof(2), Buffer.from([0x0f])]);
    expect(crxCodeOfSync(() => decodeCrxFileHeader(garbageAfter, 2))).toBe('CRX_TOO_MANY_PROOFS');
  });
});

describe('SignedData', () => {
  it('holds exactly 16 bytes of crx_id', () => {
    expect(decodeSignedData(shd)).toEqual(id16);
    expect(encodeSignedData(id16)).toEqual(shd);
    expect(shd.toString('hex')).toBe(`0a10${id16.toString('hex')}`);
  });

  it.each([
    ['an empty message', Buffer.alloc(0)],
    ['a short crx_id', field(1, Buffer.alloc(15))],
    ['a long crx_id', field(1, Buffer.alloc(32))],
    ['two crx_ids', Buffer.concat([shd, shd])],
    ['an unknown field', Buffer.concat([shd, field(2, Buffer.alloc(1))])],
    ['a crx_id as a varint', Buffer.from([0x08, 0x01])],
    ['garbage', Buffer.from('not protobuf')],
  ])('refuses %s', (_why, bytes) => {
    expect(crxCodeOfSync(() => decodeSignedData(bytes))).toBe('CRX_HEADER_INVALID');
  });
});
