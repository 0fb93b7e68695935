import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRX } from '../../../src/limits.ts';
import { readCrx3, readCrx3Header, readCrx3Preamble, verifyCrx3Stream, verifyCrx3Zip } from '../../../src/crx/crx3-read.ts';
import {
  buildExtensionZip,
  crx3Signature,
  crxIdFor,
  ecKey,
  field,
  frameCrx3,
  handMadeCrx,
  idOf,
  proofField,
  rsaKey,
  rsaSpkiWithModulusBits,
  signedDataFor,
  spkiOf,
} from '../../helpers/crx-build.ts';
import { crxCodeOf, crxCodeOfSync } from '../../helpers/crx-expect.ts';

let zip: Buffer;
let good: Buffer;
const developer = rsaKey();

beforeAll(async () => {
  zip = await buildExtensionZip();
  good = handMadeCrx(zip);
});

/** Every way in: the whole buffer, a stream of small chunks, and the header plus a ZIP stream. */
async function allReaders(crx: Buffer): Promise<string[]> {
  const codes = [crxCodeOfSync(() => readCrx3(crx))];
  codes.push(await crxCodeOf(verifyCrx3Stream(chunks(crx, 7))));
  codes.push(await crxCodeOf(async () => {
    const header = readCrx3Header(crx);
    return verifyCrx3Zip(header, chunks(crx.subarray(header.zipOffset), 1000));
  }));
  return codes;
}

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('readCrx3 on a good package', () => {
  it('returns the id, the developer key and every proof, by every way in', async () => {
    const expected = { id: idOf(spkiOf(developer)), developerKeySpki: spkiOf(developer), zipOffset: good.length - zip.length, zipLength: zip.length };
    expect(readCrx3(good)).toMatchObject(expected);
    expect(await verifyCrx3Stream(chunks(good, 1))).toMatchObject(expected);
    expect(await verifyCrx3Stream(Readable.from([good]))).toMatchObject(expected);
    expect(await verifyCrx3Zip(readCrx3Header(good.subarray(0, expected.zipOffset)), Readable.from(chunks(zip, 100)))).toMatchObject(expected);
    const result = readCrx3(good);
    expect(result.proofs).toEqual([
      expect.objectContaining({ algorithm: 'sha256_with_rsa', publicKey: spkiOf(developer), keyId: expected.id }),
    ]);
    expect(result.verifiedContents).toBeUndefined();
  });

  it('accepts and checks extra proofs of both kinds, RSA and P-256, whose keys are not the developer\'s', () => {
    const crx = handMadeCrx(zip, { signers: [ecKey(), rsaKey('publisher'), developer], idKey: developer });
    const result = readCrx3(crx);
    expect(result.id).toBe(idOf(spkiOf(developer)));
    expect(result.proofs.map((p) => p.algorithm)).toEqual(['sha256_with_rsa', 'sha256_with_rsa', 'sha256_with_ecdsa']);
    expect(result.developerKeySpki).toEqual(spkiOf(developer));
  });

  it('keeps verified_contents (a Web Store field outside the signatures)', () => {
    const crx = handMadeCrx(zip, { extra: field(4, Buffer.from('gzip bytes')) });
    expect(readCrx3(crx).verifiedContents?.toString()).toBe('gzip bytes');
  });

  it('does not keep the package buffer alive through its results', () => {
    const result = readCrx3(good);
    expect(result.developerKeySpki.buffer).not.toBe(good.buffer);
    expect(result.signedHeaderData.buffer).not.toBe(good.buffer);
  });
});

describe('readCrx3 refuses', () => {
  it('a changed ZIP byte, first to last', async () => {
    for (const at of [good.length - zip.length, good.length - 1, good.length - Math.floor(zip.length / 2)]) {
      expect(await allReaders(flip(good, at))).toEqual(['CRX_PROOF_INVALID', 'CRX_PROOF_INVALID', 'CRX_PROOF_INVALID']);
    }
  });

  it('a ZIP with bytes appended or cut off', async () => {
    expect(await allReaders(Buffer.concat([good, Buffer.from('x')]))).toEqual(Array(3).fill('CRX_PROOF_INVALID'));
    expect(await allReaders(good.subarray(0, good.length - 1))).toEqual(Array(3).fill('CRX_PROOF_INVALID'));
  });

  it('a changed signature', async () => {
    const sigAt = good.length - zip.length - 22 - 10; // inside the signature, before signed_header_data
    expect(await allReaders(flip(good, sigAt))).toEqual(Array(3).fill('CRX_PROOF_INVALID'));
  });

  it('a crx_id changed after signing', async () => {
    const idAt = good.length - zip.length - 1; // last byte of crx_id, the last header byte
    expect(crxCodeOfSync(() => readCrx3(flip(good, idAt)))).toBe('CRX_ID_MISMATCH');
  });

  it('a crx_id naming another key, even when signed', async () => {
    const crx = handMadeCrx(zip, { idKey: rsaKey('someone else') });
    expect(await allReaders(crx)).toEqual(Array(3).fill('CRX_ID_MISMATCH'));
  });

  it('a crx_id naming only an ECDSA key', () => {
    const crx = handMadeCrx(zip, { signers: [ecKey(), developer], idKey: ecKey() });
    expect(crxCodeOfSync(() => readCrx3(crx))).toBe('CRX_ID_MISMATCH');
  });

  it('a package signed by ECDSA only', () => {
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { signers: [ecKey()] })))).toBe('CRX_NO_DEVELOPER_PROOF');
  });

  it('an unsigned package', () => {
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { signers: [], idKey: developer })))).toBe('CRX_NO_DEVELOPER_PROOF');
  });

  it('an extra proof that does not verify, even beside a good developer proof', async () => {
    const shd = signedDataFor(crxIdFor(developer));
    const bogus = proofField('rsa', spkiOf(rsaKey('bogus')), crypto.randomBytes(256));
    const crx = handMadeCrx(zip, { extra: bogus });
    expect(await allReaders(crx)).toEqual(Array(3).fill('CRX_PROOF_INVALID'));
    // A proof by the right key over other bytes.
    const other = proofField('ecdsa', spkiOf(ecKey()), crx3Signature(ecKey(), shd, Buffer.from('other zip')));
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { extra: other })))).toBe('CRX_PROOF_INVALID');
  });

  it('an RSA key in an ECDSA proof and the other way round', () => {
    const shd = signedDataFor(crxIdFor(developer));
    const rsaAsEc = proofField('ecdsa', spkiOf(rsaKey('x')), crx3Signature(rsaKey('x'), shd, zip));
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { extra: rsaAsEc })))).toBe('CRX_KEY_UNSUPPORTED');
    const ecAsRsa = proofField('rsa', spkiOf(ecKey()), crx3Signature(ecKey(), shd, zip));
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { extra: ecAsRsa })))).toBe('CRX_KEY_UNSUPPORTED');
  });

  it('keys Chromium would not take: another curve, too few or too many bits, not SPKI, not canonical DER', () => {
    const shd = signedDataFor(crxIdFor(developer));
    const p384 = ecKey('p384', 'secp384r1');
    const cases = [
      proofField('ecdsa', spkiOf(p384), crx3Signature(p384, shd, zip)),
      proofField('rsa', spkiOf(rsaKey('tiny', 512)), crx3Signature(rsaKey('tiny', 512), shd, zip)),
      proofField('rsa', rsaSpkiWithModulusBits(8200), Buffer.alloc(1025)),
      proofField('rsa', Buffer.from('not a key'), Buffer.alloc(256)),
      proofField('rsa', Buffer.concat([spkiOf(rsaKey('x')), Buffer.from([0])]), crx3Signature(rsaKey('x'), shd, zip)),
    ];
    for (const extra of cases) expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { extra })))).toBe('CRX_KEY_UNSUPPORTED');
  });

  it('more proofs than CRX.maxProofs', () => {
    const signers = Array.from({ length: CRX.maxProofs + 1 }, () => ecKey());
    expect(crxCodeOfSync(() => readCrx3(handMadeCrx(zip, { signers: [developer, ...signers], idKey: developer })))).toBe('CRX_TOO_MANY_PROOFS');
  });

  it('a package cut off anywhere before the ZIP', async () => {
    const zipOffset = good.length - zip.length;
    for (const length of [0, 1, 3, 4, 8, 11, 12, 13, zipOffset - 1]) {
      const codes = await allReaders(good.subarray(0, length));
      expect(codes[0], `cut at ${length}`).toBe('CRX_INVALID');
      expect(codes[1], `streamed, cut at ${length}`).toBe('CRX_INVALID');
    }
    expect(await allReaders(good.subarray(0, zipOffset))).toEqual(Array(3).fill('CRX_INVALID')); // no ZIP
  });

  it('a header length over CRX.maxHeaderBytes, before reading the header', async () => {
    const huge = frameCrx3(Buffer.alloc(0), Buffer.alloc(0), { declaredLength: CRX.maxHeaderBytes + 1 });
    expect(crxCodeOfSync(() => readCrx3Preamble(huge))).toBe('CRX_HEADER_TOO_LARGE');
    expect(crxCodeOfSync(() => readCrx3(huge))).toBe('CRX_HEADER_TOO_LARGE');
    const max = frameCrx3(Buffer.alloc(0), Buffer.alloc(0), { declaredLength: 0xffffffff });
    // The stream is refused after 12 bytes: the rest of this endless source is never read.
    async function* endless(): AsyncGenerator<Buffer> {
      yield max;
      for (;;) yield Buffer.alloc(65536);
    }
    expect(await crxCodeOf(verifyCrx3Stream(endless()))).toBe('CRX_HEADER_TOO_LARGE');
    expect(readCrx3Preamble(frameCrx3(Buffer.alloc(0), Buffer.alloc(0), { declaredLength: CRX.maxHeaderBytes }))).toEqual({
      headerLength: CRX.maxHeaderBytes,
      zipOffset: CRX.maxHeaderBytes + 12,
    });
  });

  it('a header length that runs into the ZIP', () => {
    const zipOffset = good.length - zip.length;
    const longer = Buffer.from(good);
    longer.writeUInt32LE(zipOffset - 12 + 5, 8);
    expect(crxCodeOfSync(() => readCrx3(longer))).toBe('CRX_HEADER_INVALID');
  });

  it('CRX2, other versions, plain ZIPs and other files', () => {
    expect(crxCodeOfSync(() => readCrx3(frameCrx3(Buffer.alloc(0), zip, { version: 2 })))).toBe('CRX_VERSION_UNSUPPORTED');
    expect(crxCodeOfSync(() => readCrx3(frameCrx3(Buffer.alloc(0), zip, { version: 4 })))).toBe('CRX_VERSION_UNSUPPORTED');
    expect(crxCodeOfSync(() => readCrx3(zip))).toBe('CRX_INVALID');
    expect(crxCodeOfSync(() => readCrx3(Buffer.from('CrOD\x03\x00\x00\x00\x00\x00\x00\x00', 'latin1')))).toBe('CRX_INVALID');
    expect(crxCodeOfSync(() => readCrx3(Buffer.from('<html>')))).toBe('CRX_INVALID');
  });

  it('a malformed header', () => {
    const zipOffset = good.length - zip.length;
    const header = good.subarray(12, zipOffset);
    const badVarint = Buffer.concat([header, Buffer.from([0x80])]);
    expect(crxCodeOfSync(() => readCrx3(frameCrx3(badVarint, zip)))).toBe('CRX_HEADER_INVALID');
    expect(crxCodeOfSync(() => readCrx3(frameCrx3(Buffer.concat([header, field(7, Buffer.alloc(1))]), zip)))).toBe('CRX_HEADER_INVALID');
  });
});
