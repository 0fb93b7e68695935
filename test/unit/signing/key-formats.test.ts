import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import {
  decryptPrivateKeyPem, encryptPrivateKeyPem, generateRsaKey, importPrivateKey, type RsaKeyBits,
} from '../../../src/signing/key-formats.ts';
import { updateKeyOf } from '../../../src/signing/signer.ts';
import {
  asn, certBag, encryptedSection, forgePkcs12, keyBag, pfx, plainSection, rsaKey, selfSignedCertificate, shroudedKeyBag,
} from '../../helpers/pkcs12-fixtures.ts';
import { codeOf } from '../../helpers/error-code.ts';

const TEST4_DIR = new URL('../../fixtures/mccoy/mccoy-selftest-test4/', import.meta.url);
const test4Pem = readFileSync(fileURLToPath(new URL('test4.pem', TEST4_DIR)));
const test4UpdateKey = /<em:updateKey>([^<]+)<\/em:updateKey>/.exec(
  readFileSync(fileURLToPath(new URL('install.rdf', TEST4_DIR)), 'utf8'),
)![1]!.replace(/\s+/g, '');

// Small keys keep the suite fast; sizes matter only where a test says so.
const key1024 = rsaKey(1024);
const key2048 = rsaKey(2048);
const otherKey = rsaKey(1024);

describe('generateRsaKey', () => {
  it('makes an RSA key of the asked size with e = 65537, off the event loop', async () => {
    const key = await generateRsaKey(2048);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('refuses sizes other than 2048, 3072 and 4096', async () => {
    await expect(generateRsaKey(1024 as RsaKeyBits)).rejects.toMatchObject({ code: 'KEY_SIZE_UNSUPPORTED' });
    await expect(generateRsaKey(2047 as RsaKeyBits)).rejects.toMatchObject({ code: 'KEY_SIZE_UNSUPPORTED' });
  });
});

describe('encryptPrivateKeyPem / decryptPrivateKeyPem', () => {
  const fast = { iterations: 1000 };

  it('round-trips and never contains the key in clear', () => {
    const pem = encryptPrivateKeyPem(key1024, 'store secret', fast);
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(pem).not.toContain('BEGIN PRIVATE KEY');
    expect(pem).not.toContain('BEGIN RSA PRIVATE KEY');
    const back = decryptPrivateKeyPem(pem, 'store secret');
    expect(updateKeyOf(back)).toBe(updateKeyOf(key1024));
  });

  it('writes PBES2 with PBKDF2-HMAC-SHA256 (600 000 rounds by default) and AES-256-CBC', () => {
    const pem = encryptPrivateKeyPem(key1024, 'store secret');
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const [algorithm] = asn.parse(der).value as forge.asn1.Asn1[];
    const [pbes2Oid, params] = algorithm!.value as forge.asn1.Asn1[];
    const [kdf, scheme] = params!.value as forge.asn1.Asn1[];
    const [, kdfParams] = kdf!.value as forge.asn1.Asn1[];
    const [, iterations, prf] = kdfParams!.value as forge.asn1.Asn1[];
    const oidOf = (n: forge.asn1.Asn1 | undefined): string => forge.asn1.derToOid((n!.value as forge.asn1.Asn1[])[0]!.value as string);
    expect(forge.asn1.derToOid(pbes2Oid!.value as string)).toBe('1.2.840.113549.1.5.13');
    expect(forge.asn1.derToInteger(iterations!.value as string)).toBe(600_000);
    expect(oidOf(prf)).toBe('1.2.840.113549.2.9'); // hmacWithSHA256
    expect(oidOf(scheme)).toBe('2.16.840.1.101.3.4.1.42'); // aes256-CBC
  });

  it('is deterministic given the salt and IV source, and random by default', () => {
    const fixed = { ...fast, randomBytes: (n: number) => Buffer.alloc(n, 7) };
    expect(encryptPrivateKeyPem(key1024, 'pw', fixed)).toBe(encryptPrivateKeyPem(key1024, 'pw', fixed));
    expect(encryptPrivateKeyPem(key1024, 'pw', fast)).not.toBe(encryptPrivateKeyPem(key1024, 'pw', fast));
  });

  it('handles a non-ASCII passphrase as UTF-8, as OpenSSL does', () => {
    const pem = encryptPrivateKeyPem(key1024, 'пароль ключа', fast);
    const viaOpenSsl = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: Buffer.from('пароль ключа', 'utf8') });
    expect(updateKeyOf(viaOpenSsl)).toBe(updateKeyOf(key1024));
  });

  it('refuses an empty passphrase both ways', () => {
    expect(codeOf(() => encryptPrivateKeyPem(key1024, '', fast))).toBe('KEY_PASSPHRASE_REQUIRED');
    const pem = encryptPrivateKeyPem(key1024, 'pw', fast);
    expect(codeOf(() => decryptPrivateKeyPem(pem, ''))).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it('reports a wrong passphrase', () => {
    const pem = encryptPrivateKeyPem(key1024, 'right', fast);
    expect(codeOf(() => decryptPrivateKeyPem(pem, 'wrong'))).toBe('KEY_PASSPHRASE_WRONG');
  });

  it('will not load an unencrypted key as if it were a stored one', () => {
    const plain = key1024.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(codeOf(() => decryptPrivateKeyPem(plain, 'pw'))).toBe('KEY_FORMAT_UNKNOWN');
  });
});

describe('importPrivateKey: PEM', () => {
  it("reads McCoy's test4.pem (encrypted PKCS#8, PBES2 3DES) as the key in install.rdf, with a weak-key warning", () => {
    const imported = importPrivateKey(test4Pem, 'keytest4');
    expect(imported.format).toBe('pkcs8-encrypted');
    expect(imported.key.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(imported.key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    expect(updateKeyOf(imported.key)).toBe(test4UpdateKey);
    expect(imported.warnings).toHaveLength(1);
    expect(imported.warnings[0]).toMatch(/1024/);
  });

  it('asks for the password of test4.pem and rejects a wrong one', () => {
    expect(codeOf(() => importPrivateKey(test4Pem))).toBe('KEY_PASSWORD_REQUIRED');
    expect(codeOf(() => importPrivateKey(test4Pem, 'keytest5'))).toBe('KEY_PASSWORD_WRONG');
  });

  it('reads plain PKCS#8 and PKCS#1 without warnings at 2048 bits', () => {
    const pkcs8 = importPrivateKey(Buffer.from(key2048.export({ type: 'pkcs8', format: 'pem' })));
    expect(pkcs8.format).toBe('pkcs8');
    expect(pkcs8.warnings).toEqual([]);
    expect(updateKeyOf(pkcs8.key)).toBe(updateKeyOf(key2048));
    const pkcs1 = importPrivateKey(Buffer.from(key2048.export({ type: 'pkcs1', format: 'pem' })));
    expect(pkcs1.format).toBe('pkcs1');
    expect(updateKeyOf(pkcs1.key)).toBe(updateKeyOf(key2048));
  });

  it('reads OpenSSL-encrypted PKCS#8 and legacy-encrypted PKCS#1', () => {
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      const pem = Buffer.from(
        key1024.export({ type, format: 'pem', cipher: 'aes-128-cbc', passphrase: 'file pw' }) as string,
      );
      const imported = importPrivateKey(pem, 'file pw');
      expect(imported.format).toBe(type === 'pkcs8' ? 'pkcs8-encrypted' : 'pkcs1');
      expect(updateKeyOf(imported.key)).toBe(updateKeyOf(key1024));
      expect(codeOf(() => importPrivateKey(pem))).toBe('KEY_PASSWORD_REQUIRED');
      expect(codeOf(() => importPrivateKey(pem, 'other pw'))).toBe('KEY_PASSWORD_WRONG');
    }
  });

  it('picks the key a certificate in the same PEM file belongs to', () => {
    const bundle = [
      key1024.export({ type: 'pkcs8', format: 'pem' }),
      otherKey.export({ type: 'pkcs8', format: 'pem' }),
      new crypto.X509Certificate(selfSignedCertificate(otherKey)).toString(),
    ].join('\n');
    expect(updateKeyOf(importPrivateKey(Buffer.from(bundle)).key)).toBe(updateKeyOf(otherKey));
    const noCert = bundle.slice(0, bundle.indexOf('-----BEGIN CERTIFICATE'));
    expect(codeOf(() => importPrivateKey(Buffer.from(noCert)))).toBe('KEY_IMPORT_AMBIGUOUS');
  });

  it('refuses non-RSA keys, keys under 1024 bits, certificates alone and OpenSSH files', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(codeOf(() => importPrivateKey(Buffer.from(ec.export({ type: 'pkcs8', format: 'pem' }))))).toBe('KEY_UNSUPPORTED');
    expect(codeOf(() => importPrivateKey(Buffer.from(ec.export({ type: 'sec1', format: 'pem' }))))).toBe('KEY_UNSUPPORTED');
    const tiny = rsaKey(512);
    expect(codeOf(() => importPrivateKey(Buffer.from(tiny.export({ type: 'pkcs8', format: 'pem' }))))).toBe('KEY_TOO_WEAK');
    const certOnly = new crypto.X509Certificate(selfSignedCertificate(key1024)).toString();
    expect(codeOf(() => importPrivateKey(Buffer.from(certOnly)))).toBe('KEY_IMPORT_NO_KEY');
    const ssh = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(codeOf(() => importPrivateKey(Buffer.from(ssh)))).toBe('KEY_FORMAT_UNSUPPORTED');
  });

  it('caps the password hashing an encrypted PKCS#8 file may demand, and names unsupported ciphers', () => {
    const pem = key1024.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    const tamper = (edit: (algorithm: forge.asn1.Asn1[]) => void): Buffer => {
      const top = asn.parse(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
      edit(((top.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[]));
      const body = Buffer.from(asn.der(top), 'binary').toString('base64');
      return Buffer.from(`-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}\n-----END ENCRYPTED PRIVATE KEY-----\n`);
    };
    const huge = tamper(([, params]) => {
      const kdfParams = (((params!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[]);
      kdfParams[1] = asn.int(2_000_000_000);
    });
    expect(codeOf(() => importPrivateKey(huge, 'pw'))).toBe('KEY_FORMAT_UNSUPPORTED');
    const pbes1 = tamper((algorithm) => {
      algorithm[0] = asn.oid('1.2.840.113549.1.5.3'); // pbeWithMD5AndDES-CBC
    });
    expect(codeOf(() => importPrivateKey(pbes1, 'pw'))).toBe('KEY_FORMAT_UNSUPPORTED');
  });
});

describe('importPrivateKey: PKCS#12', () => {
  const cert1024 = selfSignedCertificate(key1024);
  const otherCert = selfSignedCertificate(otherKey);

  it.each(['aes128', 'aes256', '3des'] as const)('reads what node-forge writes (%s key bag, SHA-1 MAC)', (algorithm) => {
    const p12 = forgePkcs12(key1024, [cert1024], 'p12 pw', algorithm);
    const imported = importPrivateKey(p12, 'p12 pw');
    expect(imported.format).toBe('pkcs12');
    expect(updateKeyOf(imported.key)).toBe(updateKeyOf(key1024));
    expect(imported.warnings).toHaveLength(1);
  });

  it('tells a wrong password from a missing one', () => {
    const p12 = forgePkcs12(key1024, [cert1024], 'p12 pw', 'aes256');
    expect(codeOf(() => importPrivateKey(p12, 'P12 pw'))).toBe('KEY_PASSWORD_WRONG');
    expect(codeOf(() => importPrivateKey(p12))).toBe('KEY_PASSWORD_REQUIRED');
  });

  it('opens a file exported with an empty password without being given one', () => {
    const p12 = forgePkcs12(key2048, [], '', 'aes256');
    const imported = importPrivateKey(p12);
    expect(updateKeyOf(imported.key)).toBe(updateKeyOf(key2048));
    expect(imported.warnings).toEqual([]);
  });

  it('decrypts encrypted certificate sections: PBES2 AES-256/SHA-256 (current NSS) and RC2-40 (old exports)', () => {
    for (const scheme of ['pbes2-aes256-sha256', 'pkcs12-rc2-40'] as const) {
      const p12 = pfx(
        [
          encryptedSection([certBag(cert1024)], { scheme, password: 'pw' }),
          plainSection([shroudedKeyBag(key1024, { scheme: 'pkcs12-3des', password: 'pw' })]),
        ],
        'pw',
      );
      expect(updateKeyOf(importPrivateKey(p12, 'pw').key)).toBe(updateKeyOf(key1024));
    }
  });

  it('accepts a PBES2 password encoded as UTF-8 or as a PKCS#12 BMPString, non-ASCII included', () => {
    for (const pbes2Encoding of ['utf8', 'bmp'] as const) {
      const pbe = { scheme: 'pbes2-aes128-sha1' as const, password: 'pässwörd', pbes2Encoding };
      const p12 = pfx([plainSection([shroudedKeyBag(key1024, pbe)]), encryptedSection([certBag(cert1024)], pbe)], 'pässwörd');
      expect(updateKeyOf(importPrivateKey(p12, 'pässwörd').key)).toBe(updateKeyOf(key1024));
      expect(codeOf(() => importPrivateKey(p12, 'passwörd'))).toBe('KEY_PASSWORD_WRONG');
    }
  });

  it('checks the MAC even when nothing inside is encrypted', () => {
    const p12 = pfx([plainSection([keyBag(key1024)])], 'mac pw');
    expect(updateKeyOf(importPrivateKey(p12, 'mac pw').key)).toBe(updateKeyOf(key1024));
    expect(codeOf(() => importPrivateKey(p12, 'other'))).toBe('KEY_PASSWORD_WRONG');
    expect(codeOf(() => importPrivateKey(p12))).toBe('KEY_PASSWORD_REQUIRED');
  });

  it('reads an unprotected file (plain key bag, no MAC)', () => {
    const p12 = pfx([plainSection([keyBag(key2048)])]);
    expect(updateKeyOf(importPrivateKey(p12).key)).toBe(updateKeyOf(key2048));
  });

  it('without a MAC, still reports a wrong password', () => {
    const p12 = pfx([plainSection([shroudedKeyBag(key1024, { scheme: 'pbes2-aes256-sha256', password: 'pw' })])]);
    expect(codeOf(() => importPrivateKey(p12, 'not it'))).toBe('KEY_PASSWORD_WRONG');
    expect(codeOf(() => importPrivateKey(p12))).toBe('KEY_PASSWORD_REQUIRED');
  });

  it('chooses among several keys by certificate, treats a repeated key as one, and refuses to guess', () => {
    const both = [keyBag(key1024), keyBag(otherKey)];
    const chosen = importPrivateKey(pfx([plainSection([...both, certBag(otherCert)])]));
    expect(updateKeyOf(chosen.key)).toBe(updateKeyOf(otherKey));
    expect(codeOf(() => importPrivateKey(pfx([plainSection(both)])))).toBe('KEY_IMPORT_AMBIGUOUS');
    expect(codeOf(() => importPrivateKey(pfx([plainSection([...both, certBag(cert1024), certBag(otherCert)])])))).toBe(
      'KEY_IMPORT_AMBIGUOUS',
    );
    const repeated = importPrivateKey(pfx([plainSection([keyBag(key1024), keyBag(key1024)])]));
    expect(updateKeyOf(repeated.key)).toBe(updateKeyOf(key1024));
  });

  it('refuses a file without a key, with only a non-RSA key, or with a too-small key', () => {
    expect(codeOf(() => importPrivateKey(pfx([plainSection([certBag(cert1024)])], 'pw'), 'pw'))).toBe('KEY_IMPORT_NO_KEY');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(codeOf(() => importPrivateKey(pfx([plainSection([keyBag(ec)])])))).toBe('KEY_UNSUPPORTED');
    expect(codeOf(() => importPrivateKey(pfx([plainSection([keyBag(rsaKey(768))])])))).toBe('KEY_TOO_WEAK');
  });

  it('refuses a MAC that asks for absurd work before doing it', () => {
    const p12 = forgePkcs12(key1024, [], 'pw', 'aes128');
    const top = asn.parse(p12);
    const macData = (top.value as forge.asn1.Asn1[])[2]!;
    (macData.value as forge.asn1.Asn1[])[2] = asn.int(2_000_000_000);
    // Refused from the iteration count alone; doing the work would run far past the test's timeout.
    expect(codeOf(() => importPrivateKey(Buffer.from(asn.der(top), 'binary'), 'pw'))).toBe('KEY_FORMAT_UNSUPPORTED');
  });
});

describe('importPrivateKey: not a key file', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('hello, this is not a key\n')],
    ['random bytes', crypto.randomBytes(300)],
    ['some other DER', Buffer.from(asn.der(asn.seq([asn.int(1), asn.int(2)])), 'binary')],
    ['a damaged PEM', Buffer.from('-----BEGIN PRIVATE KEY-----\nnot*base64\n-----END PRIVATE KEY-----\n')],
  ])('%s → KEY_FORMAT_UNKNOWN', (_name, bytes) => {
    expect(codeOf(() => importPrivateKey(bytes))).toBe('KEY_FORMAT_UNKNOWN');
  });

  it('truncated PKCS#12 → KEY_FORMAT_UNKNOWN', () => {
    const p12 = pfx([plainSection([keyBag(key1024)])]);
    expect(codeOf(() => importPrivateKey(p12.subarray(0, p12.length - 40)))).toBe('KEY_FORMAT_UNKNOWN');
  });

  it('refuses files far larger than a key', () => {
    expect(codeOf(() => importPrivateKey(Buffer.alloc(2 * 1024 * 1024)))).toBe('KEY_FILE_TOO_LARGE');
  });
});
