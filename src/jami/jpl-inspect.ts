import type { KeyObject } from 'node:crypto';
import { CERTIFICATES, JPL, MSGPACK, NAMES } from '../limits.ts';
import { openZip, type ZipArchive, type ZipLimits, type ZipSource } from '../package/zip-reader.ts';
import { parseCertificates, type JamiCertificate } from './certificate.ts';
import { sniffImageType, type ImageType } from '../package/image-type.ts';
import { JamiError, type JamiErrorCode } from './jami-errors.ts';
import { isLocaleLanguage, parseLocaleFile, type JplLocales } from './jpl-locale.ts';
import { isSafeJplName, parseJplManifest, type JplManifest } from './jpl-manifest.ts';
import { decodeSignatures } from './jpl-signatures.ts';
import { rsaSha512Verifier } from './rsa-sha512.ts';

export { decodeSignatures } from './jpl-signatures.ts';

/**
 * Reads a .jpl and describes it, without judging its signatures (verifyJpl does that). Only small
 * entries are kept in memory (manifest, locale files, certificate, signatures, icon, background);
 * every other entry streams past once, through the ZIP reader's checksum and a SHA-512 hash, so a
 * 250 MB plugin costs a few chunks of memory. Nothing is extracted to disk; archive-level problems
 * (unsafe paths, bombs, corrupt entries) are PackageError ZIP_* codes from openZip.
 */

export interface JplImage {
  /** Entry name, e.g. `data/icon.svg`. */
  readonly entry: string;
  readonly bytes: Buffer;
  /** Sniffed from the bytes; undefined when the file is not a PNG, JPEG, GIF, WebP or SVG. */
  readonly contentType: ImageType | undefined;
}

export type JplPlatform = 'desktop' | 'android';

export interface JplPackage {
  readonly manifest: JplManifest;
  /** Every entry name in archive order, directories (ending in `/`) included. */
  readonly entries: readonly string[];
  /** The entries kept in memory (see above), by name; every other entry is only streamed past. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The `<ABI>` of every `lib/<ABI>/` folder, sorted. */
  readonly abis: readonly string[];
  /** Store convention: desktop when an ABI names linux, windows or apple; otherwise android. */
  readonly platform: JplPlatform;
  /** `<id>.crt`. */
  readonly certificateEntry: string;
  /** The PEM chain in `<id>.crt`, plugin certificate first; empty when the file is missing. */
  readonly certificates: readonly JamiCertificate[];
  /** Raw bytes of `signatures` and `signatures.sig`, and the decoded map; undefined when missing. */
  readonly signaturesBytes: Buffer | undefined;
  readonly signaturesSig: Buffer | undefined;
  readonly signatures: ReadonlyMap<string, Buffer> | undefined;
  /**
   * For each entry of the archive that `signatures` lists: whether that signature verifies over
   * the entry's bytes with the key of the first certificate in `<id>.crt`, computed while the entry
   * streamed past. Undefined when there is nothing to check with (no map, or no RSA certificate).
   * A fact about the package, not a verdict on it: verifyJplSignatures decides what it means.
   */
  readonly entrySignatures: ReadonlyMap<string, boolean> | undefined;
  readonly locales: JplLocales;
  readonly icon: JplImage | undefined;
  readonly background: JplImage | undefined;
}

/** JPLs carry native libraries, so entries may be large, but nothing like a whole disk. */
export const DEFAULT_JPL_LIMITS: Readonly<Partial<ZipLimits>> = Object.freeze({
  maxEntryUncompressedBytes: JPL.maxEntryUncompressedBytes,
  maxTotalUncompressedBytes: JPL.maxTotalUncompressedBytes,
});

export const SIGNATURES_ENTRY = 'signatures';
export const SIGNATURES_SIG_ENTRY = 'signatures.sig';

/** Reads one entry whole, after refusing (with `code`) a declared size above `max`. */
type Keep = (name: string, max: number, code: JamiErrorCode) => Promise<Buffer | undefined>;

function abisOf(entries: readonly string[]): string[] {
  const abis = new Set<string>();
  for (const name of entries) {
    const m = /^lib\/([^/]+)\//.exec(name);
    if (!m) continue;
    const abi = m[1]!;
    if (!isSafeJplName(abi, NAMES.maxPlatformLength)) {
      throw new JamiError(
        'JPL_ABI_INVALID',
        `The folder lib/${JSON.stringify(abi).slice(1, -1)}/ is not a usable ABI name (a letter or digit, then letters, digits, ".", "_" and "-", no "..", at most ${NAMES.maxPlatformLength}).`,
      );
    }
    abis.add(abi);
  }
  return [...abis].sort();
}

export function platformOf(abis: readonly string[]): JplPlatform {
  return abis.some((abi) => /linux|windows|apple/i.test(abi)) ? 'desktop' : 'android';
}

async function image(keep: Keep, entry: string): Promise<JplImage | undefined> {
  const bytes = await keep(entry, JPL.maxImageBytes, 'JPL_MANIFEST_INVALID');
  return bytes === undefined ? undefined : { entry, bytes, contentType: sniffImageType(bytes) };
}

/** `data/locale/<id>_<lang>.json`; together they may take what one text file may. */
async function localesOf(zip: ZipArchive, keep: Keep, id: string): Promise<JplLocales> {
  const prefix = `data/locale/${id}_`;
  const files = zip.entries.flatMap((e) => {
    const lang = e.name.startsWith(prefix) && e.name.endsWith('.json') ? e.name.slice(prefix.length, -'.json'.length) : '';
    return isLocaleLanguage(lang) ? [{ name: e.name, lang, size: e.uncompressedSize }] : [];
  });
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > JPL.maxTextBytes) {
    throw new JamiError('JPL_LOCALE_INVALID', `The locale files take ${total} bytes together; at most ${JPL.maxTextBytes} are accepted.`);
  }
  const locales: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  for (const { name, lang } of files) locales[lang] = parseLocaleFile((await keep(name, JPL.maxTextBytes, 'JPL_LOCALE_INVALID'))!, name);
  return locales;
}

/**
 * Streams every entry not kept in memory once, so the ZIP reader checks every checksum, and
 * hashes each entry `signatures` lists into the plugin key's verifier on the way.
 */
async function checkEntries(
  zip: ZipArchive,
  files: ReadonlyMap<string, Buffer>,
  signatures: ReadonlyMap<string, Buffer> | undefined,
  key: KeyObject | undefined,
): Promise<Map<string, boolean> | undefined> {
  const results = signatures && key ? new Map<string, boolean>() : undefined;
  for (const entry of zip.entries) {
    const signature = results && signatures!.get(entry.name);
    const verifier = signature ? rsaSha512Verifier() : undefined;
    const kept = files.get(entry.name);
    // The daemon signs a directory entry over empty content, whatever the archive stores.
    if (entry.isDirectory) verifier?.update(Buffer.alloc(0));
    else if (kept !== undefined) verifier?.update(kept);
    else for await (const chunk of zip.stream(entry.name)) verifier?.update(chunk);
    if (verifier) results!.set(entry.name, verifier.verifies(signature!, key!));
  }
  return results;
}

async function describePackage(zip: ZipArchive): Promise<JplPackage> {
  const sizes = new Map(zip.entries.map((e) => [e.name, e.uncompressedSize]));
  const files = new Map<string, Buffer>();
  const keep: Keep = async (name, max, code) => {
    const size = sizes.get(name);
    if (size === undefined) return undefined;
    if (size > max) throw new JamiError(code, `${name} is ${size} bytes; at most ${max} are accepted.`);
    const bytes = files.get(name) ?? (await zip.read(name, max));
    files.set(name, bytes);
    return bytes;
  };
  const manifestBytes = await keep('manifest.json', JPL.maxTextBytes, 'JPL_MANIFEST_INVALID');
  if (!manifestBytes) {
    throw new JamiError('JPL_NO_MANIFEST', 'The package has no manifest.json at its top level. Zip the plugin folder\'s contents, not the folder.');
  }
  const manifest = parseJplManifest(manifestBytes);
  const entries = zip.entries.map((e) => e.name);
  const abis = abisOf(entries);
  const certificateEntry = `${manifest.id}.crt`;
  const certBytes = await keep(certificateEntry, CERTIFICATES.maxFileBytes, 'JPL_CERT_TOO_MANY');
  const certificates = certBytes ? parseCertificates(certBytes, 'JPL_CERT_INVALID', certificateEntry, CERTIFICATES.maxCertificatesPerFile) : [];
  const signaturesBytes = await keep(SIGNATURES_ENTRY, MSGPACK.maxBytes, 'JPL_SIGNATURES_INVALID');
  const signatures = signaturesBytes ? decodeSignatures(signaturesBytes) : undefined;
  const signaturesSig = await keep(SIGNATURES_SIG_ENTRY, MSGPACK.maxBinBytes, 'JPL_SIGNATURES_SIG_INVALID');
  const icon = await image(keep, `data/${manifest.iconPath}`);
  const background = await image(keep, `data/${manifest.backgroundPath}`);
  const locales = await localesOf(zip, keep, manifest.id);
  const leafKey = certificates[0]?.publicKey;
  const bits = leafKey?.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits > CERTIFICATES.maxRsaBits) {
    throw new JamiError('JPL_KEY_TOO_LARGE', `The plugin key has ${bits} bits; at most ${CERTIFICATES.maxRsaBits} are accepted (every file's signature is checked with it). Use a 4096-bit key.`);
  }
  const entrySignatures = await checkEntries(zip, files, signatures, leafKey?.asymmetricKeyType === 'rsa' ? leafKey : undefined);
  return {
    manifest,
    entries,
    files,
    abis,
    platform: platformOf(abis),
    certificateEntry,
    certificates,
    signaturesBytes,
    signaturesSig,
    signatures,
    entrySignatures,
    locales,
    icon,
    background,
  };
}

export async function inspectJpl(source: ZipSource, limits?: Partial<ZipLimits>): Promise<JplPackage> {
  const zip = await openZip(source, { ...DEFAULT_JPL_LIMITS, ...limits });
  try {
    return await describePackage(zip);
  } finally {
    zip.close();
  }
}
