import { chmod, lstat, mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { OutpostError } from '../errors.ts';
import { SigningKeyError } from '../signing/key-errors.ts';
import {
  decryptPrivateKeyPem, encryptPrivateKeyPem, generateRsaKey, GENERATED_KEY_BITS, importPrivateKey,
  type KeyFormat, type RsaKeyBits,
} from '../signing/key-formats.ts';
import { signerFromPrivateKey, type Signer } from '../signing/signer.ts';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.ts';
import type { KeyObject } from 'node:crypto';
import { crxSignerFromPrivateKey, type CrxSigner } from '../crx/crx3-sign.ts';

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

// Names become file names: no separators, no leading dot (hidden and temp files), bounded length.
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

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Publisher keys on disk: `<name>.key.pem` (encrypted PKCS#8, never plain) and `<name>.json`
 * (metadata), both 0600 in a 0700 directory. The metadata file is written last and marks a key as
 * complete, so an interrupted create leaves nothing that list() or signer() would use.
 */
export class KeyStore {
  readonly #dir: string;
  readonly #passphrase: string;
  readonly #now: () => Date;

  /** A clone brings keys/ as 0755; private keys are encrypted, but their folder is nobody else's. */
  static async prepareFolder(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }

  constructor(dir: string, passphrase: string, now: () => Date = () => new Date()) {
    if (!passphrase) {
      throw new SigningKeyError(
        'KEY_PASSPHRASE_REQUIRED',
        'Set OUTPOST_KEY_PASSPHRASE (or OUTPOST_KEY_PASSPHRASE_FILE): keys are stored encrypted with it.',
      );
    }
    this.#dir = dir;
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
    let entries: string[];
    try {
      entries = await readdir(this.#dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const present = new Set(entries);
    const names = entries
      .filter((entry) => entry.endsWith('.json'))
      .map((entry) => entry.slice(0, -'.json'.length))
      .filter((name) => KEY_NAME.test(name) && present.has(`${name}.key.pem`));
    const infos = await Promise.all(names.map((name) => this.info(name)));
    return infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async info(name: string): Promise<KeyInfo> {
    validateKeyName(name);
    let text: string;
    try {
      text = await readFile(this.#metaPath(name), 'utf8');
    } catch (err) {
      if (isMissing(err)) throw new KeyStoreError('KEY_NOT_FOUND', `There is no key named "${name}".`, { cause: err });
      throw err;
    }
    return parseInfo(text, name);
  }

  async signer(name: string): Promise<Signer> {
    return (await this.#unlock(name)).signer;
  }

  /** The same key as a CRX3 packer: the private key stays inside the returned closure. */
  async crxSigner(name: string): Promise<CrxSigner> {
    return crxSignerFromPrivateKey((await this.#unlock(name)).key);
  }

  async #unlock(name: string): Promise<{ key: KeyObject; signer: Signer }> {
    const info = await this.info(name);
    let pem: string;
    try {
      pem = await readFile(this.#keyPath(name), 'utf8');
    } catch (err) {
      if (isMissing(err)) {
        throw new KeyStoreError('KEY_STORE_CORRUPT', `The key file of "${name}" is missing; restore it from a backup.`, {
          cause: err,
        });
      }
      throw err;
    }
    const key = decryptStoredKey(pem, this.#passphrase, name);
    const signer = signerFromPrivateKey(key);
    // A swapped or restored-from-elsewhere key file would otherwise sign with a key no add-on trusts.
    if (signer.updateKey !== info.updateKey) {
      throw new KeyStoreError('KEY_STORE_CORRUPT', `The key file of "${name}" does not match its recorded public key.`);
    }
    return { key, signer };
  }

  #keyPath(name: string): string {
    return path.join(this.#dir, `${name}.key.pem`);
  }

  #metaPath(name: string): string {
    return path.join(this.#dir, `${name}.json`);
  }

  async #assertFree(name: string): Promise<void> {
    if (await exists(this.#metaPath(name))) {
      throw new KeyStoreError('KEY_EXISTS', `A key named "${name}" already exists; choose another name.`);
    }
    if (await exists(this.#keyPath(name))) {
      throw new KeyStoreError(
        'KEY_EXISTS',
        `${this.#keyPath(name)} exists without its metadata (an interrupted create?); remove it to reuse the name "${name}".`,
      );
    }
  }

  async #store(name: string, key: KeyObject, source: KeySource): Promise<KeyInfo> {
    const signer = signerFromPrivateKey(key); // refuses non-RSA keys before anything is written
    const info: KeyInfo = {
      name,
      bits: signer.bits,
      updateKey: signer.updateKey,
      createdAt: this.#now().toISOString(),
      source,
    };
    const pem = encryptPrivateKeyPem(key, this.#passphrase);
    await this.#ensureDir();
    // No-clobber writes: a concurrent create of the same name loses cleanly instead of overwriting.
    try {
      await writeFileAtomic(this.#keyPath(name), pem, { mode: FILE_MODE, overwrite: false });
    } catch (err) {
      throw existsError(err, name);
    }
    try {
      await writeFileAtomic(this.#metaPath(name), `${JSON.stringify(info, null, 2)}\n`, {
        mode: FILE_MODE,
        overwrite: false,
      });
    } catch (err) {
      await unlink(this.#keyPath(name)).catch(() => undefined);
      await fsyncDirectory(this.#dir).catch(() => undefined);
      throw existsError(err, name);
    }
    return info;
  }

  async #ensureDir(): Promise<void> {
    const created = await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    // mkdir's mode passes through the umask; set it exactly on the directory we made.
    if (created !== undefined) await chmod(this.#dir, DIR_MODE);
  }
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

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

function existsError(err: unknown, name: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return err;
  return new KeyStoreError('KEY_EXISTS', `A key named "${name}" was just created by someone else.`, { cause: err });
}

function parseInfo(text: string, name: string): KeyInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new KeyStoreError('KEY_STORE_CORRUPT', `The metadata of key "${name}" is not valid JSON.`, { cause });
  }
  const v = value as Partial<Record<keyof KeyInfo, unknown>> | null;
  if (
    typeof v !== 'object' || v === null ||
    v.name !== name ||
    typeof v.bits !== 'number' || !Number.isInteger(v.bits) ||
    typeof v.updateKey !== 'string' || v.updateKey === '' ||
    typeof v.createdAt !== 'string' ||
    typeof v.source !== 'string' || !SOURCES.has(v.source)
  ) {
    throw new KeyStoreError('KEY_STORE_CORRUPT', `The metadata of key "${name}" is incomplete or damaged.`);
  }
  return { name: v.name, bits: v.bits, updateKey: v.updateKey, createdAt: v.createdAt, source: v.source as KeySource };
}
