/**
 * Builds Jami plugin packages (.jpl) in code the way Jami's packager does: every entry signed with
 * RSA PKCS#1 v1.5 / SHA-512 by the plugin key, the msgpack `signatures` map, `signatures.sig` over
 * it, and `<id>.crt` with the chain. Signing uses node:crypto and @msgpack/msgpack directly, not
 * src/jami, so a mistake there cannot make a test pass. Broken variants are options; archives
 * yazl refuses to write (path traversal) come from raw-zip.ts.
 */
import { constants, sign } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { encode } from '@msgpack/msgpack';
import { ZipFile } from 'yazl';
import { FIXED_MTIME } from './build-xpi.ts';
import { rawZip } from './raw-zip.ts';
import type { JamiTestPki, TestCert } from './jami-pki.ts';

export interface JplSigner {
  /** PEM private key of the plugin certificate. */
  keyPem: string;
  /** Content of `<id>.crt`: the plugin certificate first, then its issuers. */
  chainPem: string;
}

export interface BuildJplOptions {
  id?: string;
  name?: string;
  version?: string;
  description?: string;
  /** Replaces the generated manifest.json (an object is serialized, bytes are used as they are). */
  manifest?: Record<string, unknown> | string | Buffer;
  /** lib/<ABI>/lib<id>.so for each (default x86_64-linux-gnu). */
  abis?: string[];
  /** Extra entries (default: an SVG icon at data/icon.svg, a JPEG background, an English locale). */
  files?: Record<string, string | Buffer>;
  /** Explicit directory entries (names ending in '/'), signed over empty content like the rest. */
  directories?: string[];
  signWith?: JplSigner;
  /** Leave these out of the archive. 'certificate' is `<id>.crt`. */
  omit?: ('signatures' | 'signatures.sig' | 'certificate')[];
  /** Entries added after signing, so they are not listed in `signatures`. */
  unsigned?: Record<string, string | Buffer>;
  /** Entries whose content is replaced after signing (the signature no longer matches). */
  tamper?: Record<string, string | Buffer>;
  /** Names listed in `signatures` that the archive does not contain. */
  phantom?: string[];
  /** Sign `signatures.sig` with this key instead of the plugin key. */
  signaturesSigKeyPem?: string;
  /** Store entries uncompressed (large test packages are then quick to write). */
  store?: boolean;
}

const bytes = (v: string | Buffer): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8'));

export const TEST_SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>\n';
export const TEST_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0test background')]);
/** Stands in for a native library: an ELF header and some bytes. */
export const fakeLibrary = (abi: string): Buffer => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.from(`library for ${abi}\n`.repeat(50))]);

export function rsaSha512(keyPem: string, data: Buffer): Buffer {
  return sign('sha512', data, { key: keyPem, padding: constants.RSA_PKCS1_PADDING });
}

/** The entries of a package before signing, in archive order. */
export function jplEntries(o: BuildJplOptions = {}): [string, Buffer][] {
  const id = o.id ?? o.name ?? 'TestPlugin';
  const manifest =
    o.manifest === undefined
      ? JSON.stringify({ id, name: o.name ?? id, description: o.description ?? '{{description}}', version: o.version ?? '1.0.0', iconPath: 'icon.svg' }, null, 2)
      : typeof o.manifest === 'string' || Buffer.isBuffer(o.manifest) ? o.manifest : JSON.stringify(o.manifest);
  const files: Record<string, string | Buffer> = o.files ?? {
    'data/icon.svg': TEST_SVG,
    'data/background.jpg': TEST_JPEG,
    [`data/locale/${id}_en.json`]: JSON.stringify({ description: 'A test plugin' }),
  };
  const entries: [string, Buffer][] = (o.directories ?? []).map((d) => [d, Buffer.alloc(0)]);
  entries.push(['manifest.json', bytes(manifest)]);
  for (const [name, content] of Object.entries(files)) entries.push([name, bytes(content)]);
  for (const abi of o.abis ?? ['x86_64-linux-gnu']) entries.push([`lib/${abi}/lib${id}.so`, fakeLibrary(abi)]);
  return entries;
}

function zipFile(entries: [string, Buffer][], store = false): ZipFile {
  const zip = new ZipFile();
  for (const [name, content] of entries) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name, { mtime: FIXED_MTIME });
    else zip.addBuffer(content, name, { mtime: FIXED_MTIME, compress: !store });
  }
  zip.end();
  return zip;
}

function zipEntries(entries: [string, Buffer][], store = false): Promise<Buffer> {
  const zip = zipFile(entries, store);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Signs and zips. Without `signWith` the package has no signatures and no certificate. */
export function signedJplEntries(o: BuildJplOptions = {}): [string, Buffer][] {
  const id = o.id ?? o.name ?? 'TestPlugin';
  const entries = jplEntries(o);
  if (!o.signWith) return entries;
  const map: Record<string, Uint8Array> = {};
  for (const [name, content] of entries) map[name] = rsaSha512(o.signWith.keyPem, content);
  for (const name of o.phantom ?? []) map[name] = rsaSha512(o.signWith.keyPem, Buffer.alloc(0));
  const signatures = Buffer.from(encode(map));
  const omit = new Set(o.omit ?? []);
  const out = entries.map(([name, content]): [string, Buffer] => [name, o.tamper?.[name] !== undefined ? bytes(o.tamper[name]) : content]);
  for (const [name, content] of Object.entries(o.unsigned ?? {})) out.push([name, bytes(content)]);
  if (!omit.has('certificate')) out.push([`${id}.crt`, Buffer.from(o.signWith.chainPem)]);
  if (!omit.has('signatures')) out.push(['signatures', signatures]);
  if (!omit.has('signatures.sig')) out.push(['signatures.sig', rsaSha512(o.signaturesSigKeyPem ?? o.signWith.keyPem, signatures)]);
  return out;
}

export function buildJpl(o: BuildJplOptions = {}): Promise<Buffer> {
  return zipEntries(signedJplEntries(o), o.store);
}

/** buildJpl straight to a file, for packages too large to want twice in memory. */
export async function writeJpl(file: string, o: BuildJplOptions = {}): Promise<void> {
  await pipeline(zipFile(signedJplEntries(o), o.store).outputStream, createWriteStream(file));
}

/** The signer for a plugin certificate issued under `issuers` (nearest first). */
export function signerFor(pki: JamiTestPki, leaf: TestCert, ...issuers: TestCert[]): JplSigner {
  return { keyPem: leaf.keyPem, chainPem: pki.chain(leaf, ...issuers) };
}

export interface BrokenJpl {
  bytes: Buffer;
  /** The JamiError or PackageError code inspectJpl or verifyJpl must report. */
  code: string;
}

/** Every broken variant the spec names, built from the test PKI, with the code each must give. */
export async function brokenJpls(pki: JamiTestPki): Promise<Record<string, BrokenJpl>> {
  const good = signerFor(pki, pki.plugin, pki.org);
  const signed = (o: BuildJplOptions): Promise<Buffer> => buildJpl({ signWith: good, ...o });
  const traversal = signedJplEntries({ signWith: good });
  traversal.splice(1, 0, ['../../evil.so', Buffer.from('escape')]);
  return {
    unsigned: { bytes: await buildJpl({ files: { 'data/icon.svg': TEST_SVG } }), code: 'JPL_NO_SIGNATURES' },
    'no signatures.sig': { bytes: await signed({ omit: ['signatures.sig'] }), code: 'JPL_NO_SIGNATURES' },
    'extra unsigned file': { bytes: await signed({ unsigned: { 'data/extra.txt': 'not signed' } }), code: 'JPL_UNSIGNED_ENTRY' },
    'tampered manifest': { bytes: await signed({ tamper: { 'manifest.json': JSON.stringify({ name: 'TestPlugin', version: '9.9.9' }) } }), code: 'JPL_SIGNATURE_INVALID' },
    'tampered library': { bytes: await signed({ tamper: { 'lib/x86_64-linux-gnu/libTestPlugin.so': fakeLibrary('evil') } }), code: 'JPL_SIGNATURE_INVALID' },
    'signatures.sig by another key': { bytes: await signed({ signaturesSigKeyPem: pki.otherKey.keyPem }), code: 'JPL_SIGNATURES_SIG_INVALID' },
    'listed entry missing': { bytes: await signed({ phantom: ['data/gone.png'] }), code: 'JPL_SIGNED_ENTRY_MISSING' },
    'missing certificate': { bytes: await signed({ omit: ['certificate'] }), code: 'JPL_NO_CERTIFICATE' },
    'wrong issuer': { bytes: await buildJpl({ signWith: signerFor(pki, pki.wrongIssuer, pki.impostor) }), code: 'JPL_CERT_UNTRUSTED' },
    'wrong issuer with the real org certificate': { bytes: await buildJpl({ signWith: signerFor(pki, pki.wrongIssuer, pki.org) }), code: 'JPL_CERT_UNTRUSTED' },
    'issuer missing from the chain': { bytes: await buildJpl({ signWith: signerFor(pki, pki.plugin) }), code: 'JPL_CERT_UNTRUSTED' },
    'plugin key not RSA': { bytes: await buildJpl({ signWith: { keyPem: pki.plugin.keyPem, chainPem: pki.chain(pki.ecKey, pki.org) } }), code: 'JPL_KEY_NOT_RSA' },
    'expired certificate': { bytes: await buildJpl({ signWith: signerFor(pki, pki.expired, pki.org) }), code: 'JPL_CERT_EXPIRED' },
    'not yet valid certificate': { bytes: await buildJpl({ signWith: signerFor(pki, pki.notYetValid, pki.org) }), code: 'JPL_CERT_NOT_YET_VALID' },
    'issuer not a CA': { bytes: await buildJpl({ signWith: signerFor(pki, pki.nonCaIssued, pki.nonCa) }), code: 'JPL_CERT_NOT_CA' },
    'issuer without keyCertSign': { bytes: await buildJpl({ signWith: signerFor(pki, pki.noCertSignIssued, pki.noCertSign) }), code: 'JPL_CERT_NOT_CA' },
    'path traversal entry': { bytes: rawZip(traversal.map(([name, data]) => ({ name, data }))), code: 'ZIP_UNSAFE_PATH' },
  };
}
