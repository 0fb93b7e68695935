/**
 * CRX3 proofs: keys Chromium would not take, signatures over other bytes, ids naming other keys,
 * and a second publisher trying to take over the victim's extension id.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { CRX } from '../../../src/limits.ts';
import {
  crx3SignedMessage,
  crx3Signature,
  crxIdFor,
  ecKey,
  extensionManifest,
  field,
  frameCrx3,
  proofField,
  rsaKey,
  rsaSpki,
  rsaSpkiWithModulusBits,
  signedDataFor,
  spkiOf,
  unitExponentCrx,
} from '../../helpers/crx-build.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { attackerKey, chromiumVictimCrx, crxCase, extensionZip, signed, victimKey } from './crx-common.ts';
import type { HostileCase } from './hostile-case.ts';

const keyCase = (name: string, code: string, bytes: Buffer, status = 400): HostileCase => crxCase('crx keys', name, code, bytes, { status });

/** The victim's CRX with one more proof, by `key`, over the same signed data and ZIP. */
function withExtraProof(victim: Buffer, key: KeyObject): Buffer {
  const zipOffset = 12 + victim.readUInt32LE(8);
  const header = victim.subarray(12, zipOffset);
  const zip = victim.subarray(zipOffset);
  const proof = proofField('ecdsa', spkiOf(key), crx3Signature(key, signedDataFor(crxIdFor(victimKey())), zip));
  return frameCrx3(Buffer.concat([proof, header]), zip);
}

export async function crxKeyCases(): Promise<HostileCase[]> {
  const zip = await extensionZip({ version: '2.0' });
  const other = await extensionZip({ version: '2.1' });
  const developer = attackerKey();
  const shd = signedDataFor(crxIdFor(developer));
  // The developer's own proof again with the last signature byte changed.
  const tampered = proofField('rsa', spkiOf(developer), crx3Signature(developer, shd, zip));
  tampered[tampered.length - 1]! ^= 1;
  /** The developer's good proof, then `proof` as a second one. */
  const besideDeveloper = (proof: Buffer) => signed(zip, { extra: proof });
  /** `spki` as the only (RSA) proof, with crx_id naming it: nothing else can fail first. */
  const aloneAs = (spki: Buffer, signature: Buffer) => {
    const data = signedDataFor(crypto.createHash('sha256').update(spki).digest().subarray(0, 16));
    return frameCrx3(Buffer.concat([proofField('rsa', spki, signature), field(10000, data)]), zip);
  };

  const spki = spkiOf(developer);
  const algorithmEnd = 19; // SEQUENCE header (4) + AlgorithmIdentifier (15)
  const withoutNull = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x20, 0x30, 0x0b]), spki.subarray(6, 17), spki.subarray(algorithmEnd)]);
  const modulus = crypto.createPublicKey(developer).export({ format: 'jwk' }).n!;
  const paddedModulus = rsaSpki(Buffer.concat([Buffer.alloc(2), Buffer.from(modulus, 'base64url')]), Buffer.from([1, 0, 1]));
  const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
  const ed25519 = crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  const p384 = ecKey('hostile-p384', 'secp384r1');
  const p256 = ecKey('hostile-p256');
  const tiny = rsaKey('hostile-tiny', 512);
  const old = rsaKey('hostile-1024', 1024);
  const victim = await chromiumVictimCrx();
  // Every proof costs a hash of the whole ZIP: the most proofs over the largest ZIP the test server takes.
  const large = rawZip([{ name: 'manifest.json', data: JSON.stringify(extensionManifest({ name: 'Large', version: '2.0' })) }, { name: 'big.bin', data: crypto.randomBytes(15 * 1024 * 1024) }]);
  const ecSigners = Array.from({ length: CRX.maxProofs - 2 }, (_, i) => ecKey(`hostile-ec-${i}`));
  const lastOverOther = proofField('ecdsa', spkiOf(p256), crx3Signature(p256, shd, zip));

  return [
    keyCase('a proof key that is not SPKI at all', 'CRX_KEY_UNSUPPORTED', aloneAs(crypto.randomBytes(294), Buffer.alloc(256, 1))),
    keyCase('a PKCS#1 RSAPublicKey instead of SPKI', 'CRX_KEY_UNSUPPORTED', aloneAs(spki.subarray(24), crx3Signature(developer, shd, zip))),
    keyCase('an SPKI with a trailing zero byte', 'CRX_KEY_UNSUPPORTED', aloneAs(Buffer.concat([spki, Buffer.from([0])]), crx3Signature(developer, shd, zip))),
    keyCase('an SPKI with a non-minimal length', 'CRX_KEY_UNSUPPORTED', aloneAs(Buffer.concat([Buffer.from([0x30, 0x83, 0x00, 0x01, 0x22]), spki.subarray(4)]), crx3Signature(developer, shd, zip))),
    keyCase('an SPKI without the NULL algorithm parameters', 'CRX_KEY_UNSUPPORTED', aloneAs(withoutNull, crx3Signature(developer, shd, zip))),
    keyCase('a modulus padded with zero bytes', 'CRX_KEY_UNSUPPORTED', aloneAs(paddedModulus, crx3Signature(developer, shd, zip))),
    keyCase('an RSA-PSS key', 'CRX_KEY_UNSUPPORTED', aloneAs(pss, Buffer.alloc(128, 1))),
    keyCase('a 512-bit key, properly signed', 'CRX_KEY_UNSUPPORTED', signed(zip, { signers: [tiny] })),
    keyCase('a 1023-bit key', 'CRX_KEY_UNSUPPORTED', aloneAs(rsaSpkiWithModulusBits(1023), Buffer.alloc(128, 1))),
    keyCase('an 8193-bit key', 'CRX_KEY_UNSUPPORTED', aloneAs(rsaSpkiWithModulusBits(8193), Buffer.alloc(1025, 1))),
    keyCase('a 16384-bit key', 'CRX_KEY_UNSUPPORTED', aloneAs(rsaSpkiWithModulusBits(16384), Buffer.alloc(2048, 1))),
    keyCase('exponent 1, "signed" with the padded hash', 'CRX_KEY_UNSUPPORTED', unitExponentCrx(zip).crx),
    keyCase('exponent 2^40 + 1', 'CRX_KEY_UNSUPPORTED', aloneAs(rsaSpkiWithModulusBits(2048, Buffer.from('010000000001', 'hex')), Buffer.alloc(256, 1))),
    keyCase('an even exponent', 'CRX_KEY_UNSUPPORTED', aloneAs(rsaSpkiWithModulusBits(2048, Buffer.from([1, 0, 0])), Buffer.alloc(256, 1))),
    keyCase('a P-384 key in an ECDSA proof', 'CRX_KEY_UNSUPPORTED', besideDeveloper(proofField('ecdsa', spkiOf(p384), crx3Signature(p384, shd, zip)))),
    keyCase('an Ed25519 key in an ECDSA proof', 'CRX_KEY_UNSUPPORTED', besideDeveloper(proofField('ecdsa', ed25519, Buffer.alloc(64, 1)))),
    keyCase('a P-256 key in an RSA proof', 'CRX_KEY_UNSUPPORTED', besideDeveloper(proofField('rsa', spkiOf(p256), crx3Signature(p256, shd, zip)))),
    keyCase('an RSA key in an ECDSA proof', 'CRX_KEY_UNSUPPORTED', besideDeveloper(proofField('ecdsa', spkiOf(rsaKey('hostile-other')), crx3Signature(rsaKey('hostile-other'), shd, zip)))),
    keyCase('an ECDSA proof only, crx_id naming its key', 'CRX_NO_DEVELOPER_PROOF', signed(zip, { signers: [p256] })),
    keyCase('an ECDSA proof only, crx_id naming an absent RSA key', 'CRX_NO_DEVELOPER_PROOF', signed(zip, { signers: [p256], idKey: developer })),
    keyCase('no proof at all', 'CRX_NO_DEVELOPER_PROOF', signed(zip, { signers: [], idKey: developer })),
    keyCase('an ECDSA signature as raw r‖s', 'CRX_PROOF_INVALID', besideDeveloper(proofField('ecdsa', spkiOf(p256), crypto.sign('sha256', crx3SignedMessage(shd, zip), { key: p256, dsaEncoding: 'ieee-p1363' })))),
    keyCase('an ECDSA proof over a different ZIP', 'CRX_PROOF_INVALID', besideDeveloper(proofField('ecdsa', spkiOf(p256), crx3Signature(p256, shd, other)))),
    keyCase('the developer proof over a different ZIP', 'CRX_PROOF_INVALID', frameCrx3(Buffer.concat([proofField('rsa', spki, crx3Signature(developer, shd, other)), field(10000, shd)]), zip)),
    keyCase('a signature over the ZIP alone (CRX2 style)', 'CRX_PROOF_INVALID', aloneAs(spki, crypto.sign('sha256', zip, developer))),
    keyCase('a 1-byte signature', 'CRX_PROOF_INVALID', aloneAs(spki, Buffer.from([1]))),
    keyCase('a 64 KiB signature', 'CRX_PROOF_INVALID', aloneAs(spki, crypto.randomBytes(64 * 1024))),
    keyCase('a second RSA proof with a random signature', 'CRX_PROOF_INVALID', besideDeveloper(proofField('rsa', spkiOf(rsaKey('hostile-other')), crypto.randomBytes(256)))),
    keyCase('the developer proof twice, the second tampered', 'CRX_PROOF_INVALID', besideDeveloper(tampered)),
    keyCase(`${CRX.maxProofs} proofs over a 15 MiB ZIP, the last over other bytes`, 'CRX_PROOF_INVALID', signed(large, { signers: [developer, ...ecSigners], extra: lastOverOther })),
    keyCase('a crx_id naming another key', 'CRX_ID_MISMATCH', signed(zip, { idKey: rsaKey('hostile-other') })),
    keyCase('a crx_id naming the victim', 'CRX_ID_MISMATCH', signed(zip, { idKey: victimKey() })),
    keyCase('the victim\'s key with a random signature', 'CRX_PROOF_INVALID', aloneAs(spkiOf(victimKey()), crypto.randomBytes(256))),
    keyCase('the victim\'s proof moved onto another ZIP', 'CRX_PROOF_INVALID', Buffer.concat([victim.subarray(0, 12 + victim.readUInt32LE(8)), zip])),
    keyCase('the victim\'s package, uploaded by another publisher', 'ADDON_OWNED_BY_OTHER_KEY', victim, 403),
    keyCase('a newer victim version, uploaded by another publisher', 'ADDON_OWNED_BY_OTHER_KEY', await chromiumVictimCrx('9.0'), 403),
    keyCase('the victim\'s package with the attacker\'s proof added', 'ADDON_OWNED_BY_OTHER_KEY', withExtraProof(victim, p256), 403),
    // 1024 bits pass the key checks (Chromium made such keys for years); what follows still applies.
    keyCase('a 1024-bit developer key whose manifest names another key', 'CRX_MANIFEST_KEY_MISMATCH',
      signed(await extensionZip({ key: spki.toString('base64') }), { signers: [old] })),
  ];
}
