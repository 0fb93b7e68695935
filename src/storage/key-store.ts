import { randomBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { OutpostError } from '../errors.ts';
import { SigningKeyError } from '../signing/key-errors.ts';
import {
  decryptPrivateKeyPem, encryptPrivateKeyPem, generateRsaKey, GENERATED_KEY_BITS, importPrivateKey,
  type KeyFormat, type RsaKeyBits,
} from '../signing/key-formats.ts';
import { signerFromPrivateKey, type Signer } from '../signing/signer.ts';
import { crxSignerFromPrivateKey, type CrxSigner } from '../crx/crx3-sign.ts';
import { FolderObjects } from './objects/folder-objects.ts';
import { listNames, readObject } from './objects/object-bytes.ts';
import { isPreconditionFailed, type ObjectStore } from './objects/object-store.ts';

export type KeyStoreErrorCode =
  | 'KEY_NAME_INVALID'
  | 'KEY_EXISTS'
  | 'KEY_NOT_FOUND'
  | 'KEY_STORE_CORRUPT'
  | 'KEY_PASSPHRASE_FILE_MISSING';

export class KeyStoreError extends OutpostError<KeyStoreErrorCode> {}

export type KeySource = 'generated' | KeyFormat;
const SOURCES: ReadonlySet<string> = new Set<KeySource>(['generated', 'pkcs12', 'pkcs8-encrypted', 'pkcs8', 'pkcs1']);

export interface KeyInfo {
  name: string;
  bits: number;
  updateKey: string;
  createdAt: string;
  source: KeySource;
}

// Names become file and object names: no separators, no leading dot (hidden and temp files), no
// "@" (see #putKeyFile), bounded length.
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && KEY_NAME.test(name);
}

export function validateKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new KeyStoreError(
      'KEY_NAME_INVALID',
      'A key name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    );
  }
}

/** Where keys live in a deployment's objects: the keys folder (OUTPOST_KEYS) on disk, or in the bucket. */
export const KEYS_PREFIX = 'private/keys/';

/** The keys folder (OUTPOST_KEYS) as objects: its files keep their names, 0600 in a 0700 folder. */
export function keysFolder(dir: string): ObjectStore {
  return new FolderObjects(dir, KEYS_PREFIX);
}

const MAX_OBJECT_BYTES = 256 * 1024; // an encrypted 4096-bit key is about 3.4 KB

const metaKey = (name: string): string => `${KEYS_PREFIX}${name}.json`;
const canonicalFile = (name: string): string => `${name}.key.pem`;

function taken(name: string, cause?: unknown): KeyStoreError {
  return new KeyStoreError('KEY_EXISTS', `A key named "${name}" already exists; choose another name.`, { cause });
}

/**
 * Publisher keys as objects under private/keys/ (a keys folder, or a bucket every instance shares):
 * `<name>.key.pem` (encrypted PKCS#8, never plain) and `<name>.json` (metadata). The metadata is
 * written last, only if absent: it marks a key as complete and decides which of two concurrent
 * creates of a name wins, so an interrupted or losing create leaves nothing list() or signer() uses.
 */
export class KeyStore {
  readonly #objects: ObjectStore;
  readonly #passphrase: string;
  readonly #now: () => Date;

  /** A clone brings keys/ as 0755; private keys are encrypted, but their folder is nobody else's. */
  static async prepareFolder(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }

  /** `objects` holds private/keys/: keysFolder(OUTPOST_KEYS), or the deployment's bucket. */
  constructor(objects: ObjectStore, passphrase: string, now: () => Date = () => new Date()) {
    if (!passphrase) {
      throw new SigningKeyError(
        'KEY_PASSPHRASE_REQUIRED',
        'Set OUTPOST_KEY_PASSPHRASE (or OUTPOST_KEY_PASSPHRASE_FILE): keys are stored encrypted with it.',
      );
    }
    this.#objects = objects;
    this.#passphrase = passphrase;
    this.#now = now;
  }

  async create(name: string, bits: number = 2048): Promise<KeyInfo> {
    validateKeyName(name);
    if (!GENERATED_KEY_BITS.includes(bits)) {
      throw new SigningKeyError('KEY_SIZE_UNSUPPORTED', `New keys are RSA with 2048, 3072 or 4096 bits, not ${bits}.`);
    }
    await this.#assertFree(name); // before the slow part
    return this.#store(name, await generateRsaKey(bits as RsaKeyBits), 'generated');
  }

  async import(name: string, bytes: Buffer, password?: string): Promise<{ info: KeyInfo; warnings: string[] }> {
    validateKeyName(name);
    await this.#assertFree(name);
    const { key, format, warnings } = importPrivateKey(bytes, password);
    return { info: await this.#store(name, key, format), warnings };
  }

  /** Complete keys only, sorted by name. */
  async list(): Promise<KeyInfo[]> {
    const present = new Set(await listNames(this.#objects, KEYS_PREFIX));
    const names = [...present]
      .filter((entry) => entry.endsWith('.json'))
      .map((entry) => entry.slice(0, -'.json'.length))
      .filter((name) => KEY_NAME.test(name));
    const stored = await Promise.all(names.map((name) => this.#read(name).catch(skipRemoved)));
    return stored
      .filter((s): s is StoredKey => s !== undefined && present.has(s.keyFile))
      .map((s) => s.info)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async info(name: string): Promise<KeyInfo> {
    return (await this.#read(name)).info;
  }

  async signer(name: string): Promise<Signer> {
    return (await this.#unlock(name)).signer;
  }

  /** The same key as a CRX3 packer: the private key stays inside the returned closure. */
  async crxSigner(name: string): Promise<CrxSigner> {
    return crxSignerFromPrivateKey((await this.#unlock(name)).key);
  }

  /** The metadata goes first, so the key is gone for every instance at once; then its key file. */
  async remove(name: string): Promise<void> {
    const { keyFile } = await this.#read(name);
    await this.#objects.remove(metaKey(name));
    await this.#objects.remove(`${KEYS_PREFIX}${keyFile}`);
  }

  async #read(name: string): Promise<StoredKey> {
    validateKeyName(name);
    const bytes = await readObject(this.#objects, metaKey(name), MAX_OBJECT_BYTES);
    if (!bytes) throw new KeyStoreError('KEY_NOT_FOUND', `There is no key named "${name}".`);
    return parseStoredKey(bytes.toString('utf8'), name);
  }

  async #unlock(name: string): Promise<{ key: KeyObject; signer: Signer }> {
    const { info, keyFile } = await this.#read(name);
    const pem = await readObject(this.#objects, `${KEYS_PREFIX}${keyFile}`, MAX_OBJECT_BYTES);
    if (!pem) throw new KeyStoreError('KEY_STORE_CORRUPT', `The key file of "${name}" is missing; restore it from a backup.`);
    const key = decryptStoredKey(pem.toString('utf8'), this.#passphrase, name);
    const signer = signerFromPrivateKey(key);
    // A swapped or restored-from-elsewhere key file would otherwise sign with a key no add-on trusts.
    if (signer.updateKey !== info.updateKey) {
      throw new KeyStoreError('KEY_STORE_CORRUPT', `The key file of "${name}" does not match its recorded public key.`);
    }
    return { key, signer };
  }

  async #assertFree(name: string): Promise<void> {
    if (await this.#objects.head(metaKey(name))) throw taken(name);
  }

  async #store(name: string, key: KeyObject, source: KeySource): Promise<KeyInfo> {
    const signer = signerFromPrivateKey(key); // refuses non-RSA keys before anything is written
    const info: KeyInfo = { name, bits: signer.bits, updateKey: signer.updateKey, createdAt: this.#now().toISOString(), source };
    const keyFile = await this.#putKeyFile(name, Buffer.from(encryptPrivateKeyPem(key, this.#passphrase), 'utf8'));
    const meta = Buffer.from(`${JSON.stringify(keyFile === canonicalFile(name) ? info : { ...info, keyFile }, null, 2)}\n`, 'utf8');
    try {
      await this.#objects.put(metaKey(name), meta, meta.length, { ifAbsent: true });
      return info;
    } catch (err) {
      return this.#afterFailedMeta(name, keyFile, info, err);
    }
  }

  /**
   * `<name>.key.pem` if nobody has it. If it exists without metadata, it belongs to a create under
   * way elsewhere (which may still win) or to one that crashed: neither may be overwritten, and
   * only the first would block the name, which nothing but time tells apart. So the key goes under
   * a name no one else writes (`@` is never in a key name) and the metadata names that file.
   */
  async #putKeyFile(name: string, pem: Buffer): Promise<string> {
    for (const file of [canonicalFile(name), `${name}@${randomBytes(8).toString('hex')}.key.pem`]) {
      try {
        await this.#objects.put(`${KEYS_PREFIX}${file}`, pem, pem.length, { ifAbsent: true });
        return file;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        await this.#assertFree(name); // a complete key: this create lost before it wrote anything
      }
    }
    throw taken(name); // 64 random bits already taken: never expected, and still never overwritten
  }

  /**
   * The metadata write failed: another create won (412), or the store failed. A write that reached
   * the store before its answer was lost (an S3 retry then gets 412) is ours after all. The key file
   * is removed only when the metadata is known not to name it; when unsure it stays, unused.
   */
  async #afterFailedMeta(name: string, keyFile: string, info: KeyInfo, err: unknown): Promise<KeyInfo> {
    const winner = await this.#read(name).catch((readErr: unknown) => (readErr instanceof KeyStoreError ? undefined : null));
    if (winner && winner.keyFile === keyFile && winner.info.updateKey === info.updateKey) return winner.info;
    if (winner !== null) await this.#objects.remove(`${KEYS_PREFIX}${keyFile}`).catch(() => undefined);
    throw isPreconditionFailed(err) ? taken(name, err) : err;
  }
}

interface StoredKey {
  info: KeyInfo;
  /** The object name of the encrypted key, relative to private/keys/. */
  keyFile: string;
}

/** A key removed between listing and reading is simply not listed. */
function skipRemoved(err: unknown): undefined {
  if (err instanceof KeyStoreError && err.code === 'KEY_NOT_FOUND') return undefined;
  throw err;
}

/**
 * The store only ever writes one encrypted PKCS#8 block, so a file that is not one was damaged on
 * disk: the operator's to restore (500), not a key format the uploader could fix (400).
 */
function decryptStoredKey(pem: string, passphrase: string, name: string): KeyObject {
  try {
    return decryptPrivateKeyPem(pem, passphrase);
  } catch (err) {
    if (!(err instanceof SigningKeyError && err.code === 'KEY_FORMAT_UNKNOWN')) throw err;
    throw new KeyStoreError('KEY_STORE_CORRUPT', `The key file of "${name}" is damaged; restore it from a backup.`, { cause: err });
  }
}

/** The metadata as written by #store: KeyInfo, plus `keyFile` when the key is not `<name>.key.pem`. */
function parseStoredKey(text: string, name: string): StoredKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new KeyStoreError('KEY_STORE_CORRUPT', `The metadata of key "${name}" is not valid JSON.`, { cause });
  }
  const v = value as Partial<Record<keyof KeyInfo | 'keyFile', unknown>> | null;
  if (
    typeof v !== 'object' || v === null ||
    v.name !== name ||
    typeof v.bits !== 'number' || !Number.isInteger(v.bits) ||
    typeof v.updateKey !== 'string' || v.updateKey === '' ||
    typeof v.createdAt !== 'string' ||
    typeof v.source !== 'string' || !SOURCES.has(v.source) ||
    !(v.keyFile === undefined || (typeof v.keyFile === 'string' && isAlternateFile(v.keyFile, name)))
  ) {
    throw new KeyStoreError('KEY_STORE_CORRUPT', `The metadata of key "${name}" is incomplete or damaged.`);
  }
  const info: KeyInfo = { name: v.name, bits: v.bits, updateKey: v.updateKey, createdAt: v.createdAt, source: v.source as KeySource };
  return { info, keyFile: v.keyFile ?? canonicalFile(name) };
}

/** `<name>@<16 hex>.key.pem`: damaged or edited metadata must not point at another key's file. */
function isAlternateFile(file: string, name: string): boolean {
  return file.startsWith(`${name}@`) && /^@[0-9a-f]{16}\.key\.pem$/.test(file.slice(name.length));
}
