import crypto, { type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * Builds PKCS#12 files and certificates in code for key-import tests. Encryption and MACs are done
 * by node-forge's own PBES2, PKCS#12 KDF and RC2 code, independently of src/signing, so a shared
 * mistake cannot make the tests pass.
 */
type Asn1 = forge.asn1.Asn1;
const { Class, Type } = forge.asn1;

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  sha1: '1.3.14.3.2.26',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
};

export const asn = {
  seq: (items: Asn1[]): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items),
  oid: (value: string): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(value).getBytes()),
  octets: (bytes: string): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes),
  int: (value: number): Asn1 =>
    forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.asn1.integerToDer(value).getBytes()),
  nul: (): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.NULL, false, ''),
  ctx0: (inner: Asn1): Asn1 => forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [inner]),
  der: (node: Asn1): string => forge.asn1.toDer(node).getBytes(),
  parse: (bytes: string | Buffer): Asn1 =>
    forge.asn1.fromDer(typeof bytes === 'string' ? bytes : bytes.toString('binary')),
};

export function rsaKey(bits: number): KeyObject {
  return crypto.generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 }).privateKey;
}

/** A self-signed X.509 certificate (DER) for an RSA key, signed by forge. */
export function selfSignedCertificate(key: KeyObject, commonName = 'Outpost test'): Buffer {
  const forgeKey = forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2024-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2044-01-01T00:00:00Z');
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forgeKey, forge.md.sha256.create());
  return Buffer.from(asn.der(forge.pki.certificateToAsn1(cert)), 'binary');
}

export type PbeScheme = 'pbes2-aes128-sha1' | 'pbes2-aes256-sha256' | 'pkcs12-3des' | 'pkcs12-rc2-40';

export interface Pbe {
  scheme: PbeScheme;
  password: string;
  /** How a PBES2 password becomes bytes: UTF-8 (OpenSSL, NSS 3.87) or the PKCS#12 BMPString. */
  pbes2Encoding?: 'utf8' | 'bmp';
  iterations?: number;
}

function bmp(password: string): string {
  return Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]).toString('binary');
}

/** Encrypts the DER of `plain`, returning the AlgorithmIdentifier and the ciphertext (binary string). */
function encrypt(plain: Asn1, pbe: Pbe): { algorithm: Asn1; ciphertext: string } {
  const count = pbe.iterations ?? 2048;
  if (pbe.scheme === 'pkcs12-rc2-40') {
    const salt = forge.random.getBytesSync(8);
    const key = forge.pkcs12.generateKey(pbe.password, forge.util.createBuffer(salt), 1, count, 5);
    const iv = forge.pkcs12.generateKey(pbe.password, forge.util.createBuffer(salt), 2, count, 8);
    const cipher = forge.rc2.createEncryptionCipher(key, 40);
    cipher.start(iv);
    cipher.update(forge.util.createBuffer(asn.der(plain)));
    cipher.finish();
    return {
      algorithm: asn.seq([asn.oid(OID.pbeSha1Rc2_40), asn.seq([asn.octets(salt), asn.int(count)])]),
      ciphertext: cipher.output.getBytes(),
    };
  }
  const options =
    pbe.scheme === 'pkcs12-3des'
      ? { algorithm: '3des' as const, count }
      : pbe.scheme === 'pbes2-aes128-sha1'
        ? { algorithm: 'aes128' as const, prfAlgorithm: 'sha1' as const, count }
        : { algorithm: 'aes256' as const, prfAlgorithm: 'sha256' as const, count };
  // forge hands PBES2 passwords to PBKDF2 as byte strings; PKCS#12 PBE converts them to BMP itself.
  const password =
    pbe.scheme === 'pkcs12-3des'
      ? pbe.password
      : pbe.pbes2Encoding === 'bmp'
        ? bmp(pbe.password)
        : forge.util.encodeUtf8(pbe.password);
  const epki = forge.pki.encryptPrivateKeyInfo(plain, password, options);
  const [algorithm, data] = epki.value as Asn1[];
  return { algorithm: algorithm!, ciphertext: data!.value as string };
}

function privateKeyInfo(key: KeyObject): Asn1 {
  return asn.parse(key.export({ type: 'pkcs8', format: 'der' }));
}

function bag(type: string, value: Asn1): Asn1 {
  return asn.seq([asn.oid(type), asn.ctx0(value)]);
}

export function keyBag(key: KeyObject): Asn1 {
  return bag(OID.keyBag, privateKeyInfo(key));
}

export function shroudedKeyBag(key: KeyObject, pbe: Pbe): Asn1 {
  const { algorithm, ciphertext } = encrypt(privateKeyInfo(key), pbe);
  return bag(OID.shroudedKeyBag, asn.seq([algorithm, asn.octets(ciphertext)]));
}

export function certBag(certificateDer: Buffer): Asn1 {
  return bag(OID.certBag, asn.seq([asn.oid(OID.x509Certificate), asn.ctx0(asn.octets(certificateDer.toString('binary')))]));
}

/** An unencrypted ContentInfo holding SafeContents. */
export function plainSection(bags: Asn1[]): Asn1 {
  return asn.seq([asn.oid(OID.data), asn.ctx0(asn.octets(asn.der(asn.seq(bags))))]);
}

/** A password-encrypted ContentInfo (EncryptedData) holding SafeContents. */
export function encryptedSection(bags: Asn1[], pbe: Pbe): Asn1 {
  const { algorithm, ciphertext } = encrypt(asn.seq(bags), pbe);
  const implicitContent = forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, false, ciphertext);
  return asn.seq([
    asn.oid(OID.encryptedData),
    asn.ctx0(asn.seq([asn.int(0), asn.seq([asn.oid(OID.data), algorithm, implicitContent])])),
  ]);
}

/** A PFX (DER) from sections, with a SHA-1 PKCS#12 MAC when `macPassword` is given. */
export function pfx(sections: Asn1[], macPassword?: string, macIterations = 2048): Buffer {
  const authSafe = asn.der(asn.seq(sections));
  const items = [asn.int(3), asn.seq([asn.oid(OID.data), asn.ctx0(asn.octets(authSafe))])];
  if (macPassword !== undefined) {
    const salt = forge.random.getBytesSync(8);
    const key = forge.pkcs12.generateKey(macPassword, forge.util.createBuffer(salt), 3, macIterations, 20);
    const hmac = forge.hmac.create();
    hmac.start('sha1', key);
    hmac.update(authSafe);
    const digest = hmac.digest().getBytes();
    items.push(
      asn.seq([asn.seq([asn.seq([asn.oid(OID.sha1), asn.nul()]), asn.octets(digest)]), asn.octets(salt), asn.int(macIterations)]),
    );
  }
  return Buffer.from(asn.der(asn.seq(items)), 'binary');
}

/** What forge itself writes: certificates in clear, the key shrouded, SHA-1 MAC. */
export function forgePkcs12(key: KeyObject, certificates: Buffer[], password: string, algorithm: 'aes128' | 'aes256' | '3des'): Buffer {
  const forgeKey = forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string);
  const certs = certificates.map((der) => forge.pki.certificateFromAsn1(asn.parse(der)));
  const p12 = forge.pkcs12.toPkcs12Asn1(forgeKey, certs, password, {
    algorithm,
    generateLocalKeyId: certs.length > 0, // forge derives the id from the first certificate
  });
  return Buffer.from(asn.der(p12), 'binary');
}
