/** Jami plugins: broken signatures and chains, msgpack bombs, certificate floods, names that are paths. */
import { randomBytes } from 'node:crypto';
import { encode } from '@msgpack/msgpack';
import forge from 'node-forge';
import { buildJpl, brokenJpls, signedJplEntries, signerFor, type BuildJplOptions } from '../../helpers/jami-jpl.ts';
import type { JamiTestPki } from '../../helpers/jami-pki.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { packageCase, type HostileCase } from './hostile-case.ts';

const jpl = (name: string, code: string, build: () => Buffer | Promise<Buffer>): HostileCase => packageCase('jpl', name, code, build, 'plugin.jpl');

/** A correctly signed plugin whose `signatures` entry is then replaced by `bytes`. */
function withSignatures(pki: JamiTestPki, bytes: Buffer): () => Buffer {
  return () => {
    const entries = signedJplEntries({ signWith: signerFor(pki, pki.plugin, pki.org) });
    return rawZip(entries.map(([name, data]) => ({ name, data: name === 'signatures' ? bytes : data, method: 8 })));
  };
}

function msgpackHeader(type: number, length: number, width: 2 | 4): Buffer {
  const b = Buffer.alloc(1 + width);
  b[0] = type;
  if (width === 2) b.writeUInt16BE(length, 1);
  else b.writeUInt32BE(length, 1);
  return b;
}

/**
 * A certificate for a 9000-bit RSA modulus (random, never a real key: the size alone must be
 * refused before any signature is checked with it), signed by a throwaway key.
 */
function hugeKeyCertificate(): string {
  const bytes = randomBytes(1125);
  bytes[0]! |= 0x80; // exactly 9000 bits
  bytes[bytes.length - 1]! |= 1;
  const modulus = new forge.jsbn.BigInteger(bytes.toString('hex'), 16);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(modulus, new forge.jsbn.BigInteger('65537'));
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2040-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: 'Huge key' }]);
  cert.setIssuer([{ name: 'commonName', value: 'Huge key' }]);
  cert.sign(forge.pki.rsa.generateKeyPair({ bits: 1024, e: 65537 }).privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export async function jplCases(pki: JamiTestPki): Promise<HostileCase[]> {
  const good = signerFor(pki, pki.plugin, pki.org);
  const signed = (o: BuildJplOptions) => () => buildJpl({ signWith: good, ...o });
  const cases: HostileCase[] = [];
  for (const [name, broken] of Object.entries(await brokenJpls(pki))) cases.push(jpl(name, broken.code, () => broken.bytes));
  const nestedArrays = Buffer.alloc(10_000, 0x91); // 10 000 fixarray(1) headers, one inside the other
  cases.push(
    jpl('signatures: 10 000 nested arrays in 10 KB', 'JPL_SIGNATURES_INVALID', withSignatures(pki, nestedArrays)),
    jpl('signatures: a map inside the map', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.from(encode({ 'manifest.json': { nested: new Uint8Array(1) } })))),
    jpl('signatures: map32 claiming 4 billion entries', 'JPL_SIGNATURES_INVALID', withSignatures(pki, msgpackHeader(0xdf, 0xffffffff, 4))),
    jpl('signatures: str32 key claiming 4 GB', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.concat([Buffer.from([0x81]), msgpackHeader(0xdb, 0xfffffff0, 4)]))),
    jpl('signatures: bin32 value claiming 4 GB', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.concat([Buffer.from([0x81, 0xa1, 0x61]), msgpackHeader(0xc6, 0xfffffff0, 4)]))),
    jpl('signatures: an array instead of a map', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.from(encode([new Uint8Array(4)])))),
    jpl('signatures: integer keys', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.from([0x81, 0x01, 0xc4, 0x04, 0, 0, 0, 0]))),
    jpl('signatures: a key listed twice', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.from([0x82, 0xa1, 0x61, 0xc4, 0x01, 0x00, 0xa1, 0x61, 0xc4, 0x01, 0x00]))),
    jpl('signatures: trailing bytes after the map', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.concat([Buffer.from(encode({ a: new Uint8Array(1) })), Buffer.from([0xc0])]))),
    jpl('signatures: empty', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.alloc(0))),
    jpl('signatures: a string value', 'JPL_SIGNATURES_INVALID', withSignatures(pki, Buffer.from(encode({ 'manifest.json': 'not binary' })))),
    jpl('certificate file with 40 copies of the chain', 'JPL_CERT_TOO_MANY', () =>
      buildJpl({ signWith: { keyPem: good.keyPem, chainPem: good.chainPem.repeat(20) } })),
    jpl('a plugin key of 9000 bits', 'JPL_KEY_TOO_LARGE', () => buildJpl({ signWith: { keyPem: good.keyPem, chainPem: hugeKeyCertificate() } })),
    jpl('certificate file that is not PEM', 'JPL_CERT_INVALID', () => buildJpl({ signWith: { keyPem: good.keyPem, chainPem: 'not a certificate' } })),
  );
  const badIds = ['..', '.hidden', 'a/b', '../../x', 'a\\b', 'x'.repeat(81), ''];
  for (const id of badIds) {
    cases.push(jpl(`manifest id ${JSON.stringify(id.slice(0, 20))}`, 'JPL_ID_INVALID', signed({ manifest: { id, name: 'P', version: '1.0.0', description: 'd' } })));
  }
  const badVersions = ['../1', '1/2', '1..2', '.1', ''];
  for (const version of badVersions) {
    cases.push(jpl(`manifest version ${JSON.stringify(version)}`, 'JPL_VERSION_INVALID', signed({ manifest: { id: 'TestPlugin', name: 'P', version, description: 'd' } })));
  }
  const badPaths = ['../../../etc/passwd', '/etc/passwd', '.hidden.png', 'a/../b.png', 'icons/', 'a\\b.png', 'C:/x.png'];
  for (const iconPath of badPaths) {
    cases.push(jpl(`iconPath ${JSON.stringify(iconPath)}`, 'JPL_MANIFEST_INVALID', signed({ manifest: { id: 'TestPlugin', name: 'P', version: '1.0.0', description: 'd', iconPath } })));
  }
  cases.push(
    jpl('backgroundPath escaping data/', 'JPL_MANIFEST_INVALID', signed({ manifest: { id: 'TestPlugin', name: 'P', version: '1.0.0', description: 'd', backgroundPath: '../x.jpg' } })),
    jpl('an ABI folder starting with a dot', 'JPL_ABI_INVALID', signed({ abis: ['.hidden'] })),
    jpl('an ABI folder with a space', 'JPL_ABI_INVALID', signed({ abis: ['x86 64'] })),
    jpl('manifest.json that is not JSON', 'JPL_MANIFEST_INVALID', signed({ manifest: '{ not json' })),
    jpl('manifest.json that is an array', 'JPL_MANIFEST_INVALID', signed({ manifest: '[]' })),
  );
  return cases;
}
