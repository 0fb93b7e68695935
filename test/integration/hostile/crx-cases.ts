/**
 * CRX3 framing and the protobuf header: cut-off packages, lying header lengths, other format
 * versions, and every way a CrxFileHeader can be malformed (chromium-extensions.md, "Packages").
 */
import { CRX } from '../../../src/limits.ts';
import { crx3Signature, crxIdFor, field, frameCrx3, proofField, signedDataFor, spkiOf, varint } from '../../helpers/crx-build.ts';
import { attackerKey, chromiumVictimId, crxCase, extensionZip, signed } from './crx-common.ts';
import type { HostileCase } from './hostile-case.ts';

const crx = (name: string, code: string, bytes: Buffer): HostileCase => crxCase('crx', name, code, bytes);

/** A CRX2: "Cr24", 2, key length, signature length, key, signature, ZIP. */
function crx2(zip: Buffer): Buffer {
  const key = spkiOf(attackerKey());
  const signatureLength = Buffer.alloc(4);
  signatureLength.writeUInt32LE(256);
  return frameCrx3(Buffer.concat([signatureLength, key, Buffer.alloc(256, 1)]), zip, { version: 2, declaredLength: key.length });
}

export async function crxCases(): Promise<HostileCase[]> {
  const zip = await extensionZip();
  const good = signed(zip);
  const zipOffset = good.length - zip.length;
  const header = good.subarray(12, zipOffset);
  const key = spkiOf(attackerKey());
  const shd = signedDataFor(crxIdFor(attackerKey()));
  const shdField = field(10000, shd);
  const rsaProof = proofField('rsa', key, crx3Signature(attackerKey(), shd, zip));
  /** A header of `fields` in front of the good ZIP (signatures are never reached). */
  const headerOf = (...fields: Buffer[]) => frameCrx3(Buffer.concat(fields), zip);
  const withLength = (declaredLength: number) => frameCrx3(header, zip, { declaredLength });
  const withVersion = (version: number) => frameCrx3(header, zip, { version });

  const cases: HostileCase[] = [];
  // Inside the preamble, the proof's tags, key and signature, signed_header_data and the last header byte.
  const cuts: [number, string][] = [
    [4, 'after the magic'], [5, 'inside the version'], [8, 'after the version'], [11, 'inside the header length'],
    [12, 'after the preamble'], [13, 'inside the proof tag'], [18, 'before the proof key'], [18 + 100, 'inside the proof key'],
    [zipOffset - 130, 'inside the signature'], [zipOffset - 22, 'before signed_header_data'], [zipOffset - 1, 'one byte short of the ZIP'],
    [zipOffset, 'with no ZIP at all'],
  ];
  for (const [at, where] of cuts) cases.push(crx(`cut off at byte ${at} (${where})`, 'CRX_INVALID', good.subarray(0, at)));
  // Cut inside the ZIP, the signature no longer covers what is left.
  for (const at of [zipOffset + 1, zipOffset + 4, zipOffset + 30, good.length - 22, good.length - 1]) {
    cases.push(crx(`cut off at byte ${at}, inside the ZIP`, 'CRX_PROOF_INVALID', good.subarray(0, at)));
  }
  const flipped = Buffer.from(good);
  flipped[zipOffset + 40]! ^= 1;
  cases.push(
    crx('one byte appended after the ZIP', 'CRX_PROOF_INVALID', Buffer.concat([good, Buffer.from([0])])),
    crx('a flipped bit in the ZIP', 'CRX_PROOF_INVALID', flipped),
    crx('"Cr24" and nothing else', 'CRX_INVALID', Buffer.from('Cr24', 'latin1')),
    crx('header length 0xFFFFFFFF', 'CRX_HEADER_TOO_LARGE', withLength(0xffffffff)),
    crx('header length one over the limit', 'CRX_HEADER_TOO_LARGE', withLength(CRX.maxHeaderBytes + 1)),
    crx('header length at the limit, past the end of the file', 'CRX_INVALID', withLength(CRX.maxHeaderBytes)),
    crx('header length one past the end of the file', 'CRX_INVALID', withLength(good.length - 11)),
    crx('header length 0', 'CRX_HEADER_INVALID', withLength(0)),
    crx('header length 5 short, ending inside signed_header_data', 'CRX_HEADER_INVALID', withLength(header.length - 5)),
    crx('header length 5 long, running into the ZIP', 'CRX_HEADER_INVALID', withLength(header.length + 5)),
    crx('CRX2', 'CRX_VERSION_UNSUPPORTED', crx2(zip)),
    crx('format version 4', 'CRX_VERSION_UNSUPPORTED', withVersion(4)),
    crx('format version 0', 'CRX_VERSION_UNSUPPORTED', withVersion(0)),
    crx('format version 0xFFFFFFFF', 'CRX_VERSION_UNSUPPORTED', withVersion(0xffffffff)),
    crx('format version 3 written big-endian', 'CRX_VERSION_UNSUPPORTED', withVersion(0x03000000)),
  );

  const ones = (n: number) => Buffer.alloc(n, 0xff);
  const tooMany = Array.from({ length: CRX.maxProofs + 1 }, () => rsaProof);
  const tinyProofs = Array.from({ length: 10_000 }, () => field(3, Buffer.concat([field(1, Buffer.from('k')), field(2, Buffer.from('s'))])));
  const proto: [string, Buffer[], string?][] = [
    ['a tag varint of 11 bytes', [Buffer.concat([Buffer.alloc(10, 0x80), Buffer.from([0x01])]), shdField]],
    ['a tag varint padded with a zero byte', [Buffer.from([0x92, 0x00]), shdField]],
    ['a tag naming field 0', [Buffer.from([0x02, 0x00]), shdField]],
    ['a tag naming field 2^29', [varint(2 ** 29 * 8 + 2), Buffer.from([0]), shdField]],
    ['a proof as a group (wire type 3)', [Buffer.from([0x13, 0x14]), shdField]],
    ['wire type 7', [Buffer.from([0x17]), shdField]],
    ['a proof claiming 2^64 - 1 bytes', [Buffer.from([0x12]), ones(9), Buffer.from([0x01]), rsaProof, shdField]],
    ['a proof length varint over 64 bits', [Buffer.from([0x12]), ones(9), Buffer.from([0x02]), rsaProof, shdField]],
    ['a proof claiming 4 GiB', [Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]), rsaProof, shdField]],
    ['a length varint that never ends', [shdField, Buffer.from([0x12]), Buffer.alloc(200, 0x80)]],
    ['a proof as a varint', [Buffer.from([0x10, 0x01]), rsaProof, shdField]],
    ['a proof as fixed64', [Buffer.from([0x11]), Buffer.alloc(8), rsaProof, shdField]],
    ['an unknown header field 5', [rsaProof, field(5, Buffer.from('x')), shdField]],
    ['crx_id at the top level (field 1)', [rsaProof, field(1, crxIdFor(attackerKey())), shdField]],
    ['a proof with an unknown field 3', [field(2, Buffer.concat([field(1, key), field(2, Buffer.alloc(256)), field(3, Buffer.from('x'))])), shdField]],
    ['a proof with public_key twice', [field(2, Buffer.concat([field(1, key), field(1, key), field(2, Buffer.alloc(256))])), shdField]],
    ['a proof with no signature', [field(2, field(1, key)), shdField]],
    ['a proof with an empty signature', [field(2, Buffer.concat([field(1, key), field(2, Buffer.alloc(0))])), shdField]],
    ['a proof with no public key', [field(2, field(2, Buffer.alloc(256))), shdField]],
    ['an empty proof', [field(2, Buffer.alloc(0)), shdField]],
    ['signed_header_data twice, the same bytes', [rsaProof, shdField, shdField]],
    ['signed_header_data twice, the second naming the victim', [rsaProof, shdField, field(10000, signedDataFor(idBytes(chromiumVictimId())))]],
    ['verified_contents twice', [rsaProof, field(4, Buffer.from('a')), field(4, Buffer.from('b')), shdField]],
    ['no signed_header_data', [rsaProof]],
    ['empty signed_header_data', [rsaProof, field(10000, Buffer.alloc(0))]],
    ['signed_header_data that is not protobuf', [rsaProof, field(10000, ones(18))]],
    ['crx_id twice in SignedData', [rsaProof, field(10000, Buffer.concat([shd, shd]))]],
    ['crx_id as a varint', [rsaProof, field(10000, Buffer.from([0x08, 0x01]))]],
    ['SignedData with an unknown field', [rsaProof, field(10000, Buffer.concat([shd, field(2, Buffer.from('x'))]))]],
    [`${CRX.maxProofs + 1} proofs`, [...tooMany, shdField], 'CRX_TOO_MANY_PROOFS'],
    ['10 000 tiny proofs', [...tinyProofs, shdField], 'CRX_TOO_MANY_PROOFS'],
    ['256 KiB of zero bytes', [Buffer.alloc(CRX.maxHeaderBytes)]],
    ['256 KiB of unknown varint fields', [Buffer.alloc(CRX.maxHeaderBytes, Buffer.from([0x28, 0x00]))]],
  ];
  for (const [name, fields, code = 'CRX_HEADER_INVALID'] of proto) cases.push(crx(`header: ${name}`, code, headerOf(...fields)));
  // crx_id lengths other than 16, each signed properly, so only the length is wrong.
  for (const length of [0, 15, 17, 32]) {
    const id = Buffer.concat([crxIdFor(attackerKey()), crxIdFor(attackerKey())]).subarray(0, length);
    cases.push(crx(`header: a signed crx_id of ${length} bytes`, 'CRX_HEADER_INVALID', signed(zip, { signedHeaderData: signedDataFor(id) })));
  }
  return cases;
}

/** The 16 crx_id bytes of a 32-letter extension id. */
function idBytes(id: string): Buffer {
  return Buffer.from([...id].map((c) => (c.charCodeAt(0) - 97).toString(16)).join(''), 'hex');
}
