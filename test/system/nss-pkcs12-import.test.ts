import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPrivateKey } from '../../src/signing/key-formats.ts';
import { signerFromPrivateKey, type Signer } from '../../src/signing/signer.ts';
import { KeyStore, keysFolder } from '../../src/storage/key-store.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * A McCoy user's real migration path: the key lives in an NSS database, `pk12util` exports it, and
 * Outpost imports the .p12. Every check of the result goes through OpenSSL, which reads the .p12
 * independently of Outpost's PKCS#12 code.
 */
const toolsPresent = ['certutil', 'pk12util', 'openssl'].map(requireTool).every(Boolean);

const STORE_PASSPHRASE = 'outpost store passphrase';

function run(command: string, args: string[], input?: Buffer): Buffer {
  try {
    return execFileSync(command, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** Exit status of `openssl dgst -verify`: 0 = "Verified OK". */
function opensslVerify(publicKeyPem: string, signature: string, data: string): number {
  try {
    execFileSync('openssl', ['dgst', '-sha512', '-verify', publicKeyPem, '-signature', signature, data], { stdio: 'pipe' });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

interface NssExport {
  work: string;
  p12: Buffer;
  /** base64 DER SubjectPublicKeyInfo of the exported certificate's key, as OpenSSL sees it. */
  spkiBase64: string;
  publicKeyPem: string;
}

/** NSS database → RSA key with a self-signed cert (as McCoy made) → pk12util export → OpenSSL's view. */
async function nssExport(work: string, bits: number, p12Password: string): Promise<NssExport> {
  const db = path.join(work, 'nssdb');
  await mkdir(db);
  const dbPasswordFile = path.join(work, 'db-password');
  await writeFile(dbPasswordFile, 'nss database password\n');
  const noise = path.join(work, 'noise');
  await writeFile(noise, crypto.randomBytes(2048));
  run('certutil', ['-N', '-d', `sql:${db}`, '-f', dbPasswordFile]);
  run('certutil', [
    '-S', '-x', '-n', 'mccoykey', '-s', 'CN=McCoy', '-k', 'rsa', '-g', String(bits), '-t', 'u,u,u',
    '-z', noise, '-d', `sql:${db}`, '-f', dbPasswordFile,
  ]);
  const p12Path = path.join(work, 'key.p12');
  run('pk12util', ['-o', p12Path, '-n', 'mccoykey', '-d', `sql:${db}`, '-k', dbPasswordFile, '-W', p12Password]);
  const certPem = run('openssl', ['pkcs12', '-in', p12Path, '-nokeys', '-passin', `pass:${p12Password}`]);
  const publicKeyPem = path.join(work, 'pubkey.pem');
  await writeFile(publicKeyPem, run('openssl', ['x509', '-pubkey', '-noout'], certPem));
  const spkiDer = run('openssl', ['pkey', '-pubin', '-in', publicKeyPem, '-outform', 'DER']);
  return { work, p12: await readFile(p12Path), spkiBase64: spkiDer.toString('base64'), publicKeyPem };
}

async function expectOpenSslAccepts(signer: Signer, exported: NssExport, label: string): Promise<void> {
  const data = path.join(exported.work, `${label}.txt`);
  const text = `<RDF:Description about="urn:mozilla:extension:${label}@example.org">\n</RDF:Description>\n`;
  await writeFile(data, text);
  const signature = path.join(exported.work, `${label}.sig`);
  await writeFile(signature, signer.sign(Buffer.from(text), 'sha512'));
  expect(opensslVerify(exported.publicKeyPem, signature, data)).toBe(0);
  await writeFile(data, text.replace('example.org', 'example.com'));
  expect(opensslVerify(exported.publicKeyPem, signature, data)).toBe(1);
}

describe.skipIf(!toolsPresent)('importing a key exported by NSS pk12util', () => {
  describe.each([
    { bits: 1024, prefix: 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ', warnings: 1 },
    { bits: 2048, prefix: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A', warnings: 0 },
  ])('RSA-$bits', ({ bits, prefix, warnings }) => {
    const password = `export-${bits}`;
    let exported: NssExport;

    beforeAll(async () => {
      exported = await nssExport(await mkdtemp(path.join(os.tmpdir(), `outpost-nss-${bits}-`)), bits, password);
    });

    afterAll(async () => {
      if (exported) await rm(exported.work, { recursive: true, force: true });
    });

    it('importPrivateKey reads it and signs what openssl verifies with the certificate key', async () => {
      const imported = importPrivateKey(exported.p12, password);
      expect(imported.format).toBe('pkcs12');
      expect(imported.warnings).toHaveLength(warnings);
      const signer = signerFromPrivateKey(imported.key);
      expect(signer.bits).toBe(bits);
      expect(signer.updateKey).toBe(exported.spkiBase64);
      expect(signer.updateKey.startsWith(prefix)).toBe(true);
      await expectOpenSslAccepts(signer, exported, 'direct');
    });

    it('KeyStore.import stores it encrypted (OpenSSL-readable) and signs with it', async () => {
      const store = new KeyStore(keysFolder(path.join(exported.work, 'keys')), STORE_PASSPHRASE);
      const { info, warnings: storeWarnings } = await store.import('mccoy', exported.p12, password);
      expect(info).toMatchObject({ name: 'mccoy', bits, source: 'pkcs12', updateKey: exported.spkiBase64 });
      expect(storeWarnings).toHaveLength(warnings);
      await expectOpenSslAccepts(await store.signer('mccoy'), exported, 'stored');
      const stored = path.join(exported.work, 'keys', 'mccoy.key.pem');
      expect(await readFile(stored, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      const reread = run('openssl', ['pkey', '-in', stored, '-passin', `pass:${STORE_PASSPHRASE}`, '-pubout', '-outform', 'DER']);
      expect(reread.toString('base64')).toBe(exported.spkiBase64);
    });

    it('reports a wrong or missing export password', () => {
      expect(() => importPrivateKey(exported.p12, `${password}x`)).toThrow(expect.objectContaining({ code: 'KEY_PASSWORD_WRONG' }));
      expect(() => importPrivateKey(exported.p12)).toThrow(expect.objectContaining({ code: 'KEY_PASSWORD_REQUIRED' }));
    });
  });

  describe('other real writers', () => {
    let exported: NssExport;
    let keyAndCertPem: Buffer;

    beforeAll(async () => {
      const work = await mkdtemp(path.join(os.tmpdir(), 'outpost-nss-other-'));
      exported = await nssExport(work, 1024, 'pässwörd-ключ');
      keyAndCertPem = run('openssl', ['pkcs12', '-in', path.join(work, 'key.p12'), '-nodes', '-passin', 'pass:pässwörd-ключ']);
    });

    afterAll(async () => {
      if (exported) await rm(exported.work, { recursive: true, force: true });
    });

    it('pk12util with a non-ASCII export password', () => {
      const signer = signerFromPrivateKey(importPrivateKey(exported.p12, 'pässwörd-ключ').key);
      expect(signer.updateKey).toBe(exported.spkiBase64);
    });

    it('the PEM bundle `openssl pkcs12 -nodes` prints (bag attributes, key and certificate)', async () => {
      const imported = importPrivateKey(keyAndCertPem);
      expect(imported.format).toBe('pkcs8');
      await expectOpenSslAccepts(signerFromPrivateKey(imported.key), exported, 'pem-bundle');
    });

    it.each([
      ['current defaults (PBES2 AES-256, SHA-256 MAC)', []],
      ['-legacy (RC2-40 certificates, 3DES key, SHA-1 MAC), like old NSS and OpenSSL exports', ['-legacy']],
    ])('openssl pkcs12 -export with %s', async (_name, extra) => {
      const p12 = run('openssl', ['pkcs12', '-export', ...extra, '-passout', 'pass:openssl pw'], keyAndCertPem);
      const imported = importPrivateKey(p12, 'openssl pw');
      expect(imported.format).toBe('pkcs12');
      await expectOpenSslAccepts(signerFromPrivateKey(imported.key), exported, `openssl${extra.join('')}`);
    });
  });
});
