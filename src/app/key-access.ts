import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, type Config } from '../config.ts';
import { OutpostError } from '../errors.ts';
import { readGeneratedPassphrase, readKeyPassphrase, writeGeneratedPassphrase } from '../storage/key-passphrase.ts';
import { KEYS_PREFIX, KeyStore, keysFolder } from '../storage/key-store.ts';

export type KeyAccessErrorCode = 'KEY_PASSPHRASE_MISSING';
export class KeyAccessError extends OutpostError<KeyAccessErrorCode> {}

export const GENERATED_PASSPHRASE_FILE = 'passphrase';

/**
 * The passphrase that encrypts private keys: OUTPOST_KEY_PASSPHRASE, else the file named by
 * OUTPOST_KEY_PASSPHRASE_FILE, else one Outpost generated earlier into <keys>/passphrase. Writing
 * code may generate that file on first use; reading metadata needs no passphrase at all.
 *
 * With a bucket (OUTPOST_STORAGE) only the first two count: the keys are shared by every instance,
 * a generated passphrase would exist on one machine only, and it must never sit in the bucket
 * beside the keys it opens. So a server on a bucket without one refuses to start.
 */
export async function resolvePassphrase(
  config: Pick<Config, 'keyPassphrase' | 'keysDir' | 'bucket'>,
  mayGenerate: boolean,
): Promise<{ passphrase?: string; notice?: string }> {
  const { keysDir } = config;
  const configured = await readKeyPassphrase(config.keyPassphrase);
  if (configured) return { passphrase: configured };
  if (config.bucket) {
    if (!mayGenerate) return {};
    throw new ConfigError(
      'CONFIG_INVALID',
      `OUTPOST_STORAGE puts the keys in s3://${config.bucket.bucket}/${config.bucket.prefix}${KEYS_PREFIX}, shared by every instance, so their passphrase ` +
        'must come from OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE, the same on each instance; it is never generated or kept in the bucket ' +
        `(one generated earlier for a keys folder is in ${path.join(keysDir, GENERATED_PASSPHRASE_FILE)}).`,
    );
  }
  const file = path.join(keysDir, GENERATED_PASSPHRASE_FILE);
  const stored = await readGeneratedPassphrase(file);
  if (stored) return { passphrase: stored };
  if (!mayGenerate) return {};
  const passphrase = randomBytes(32).toString('base64url');
  await writeGeneratedPassphrase(file, passphrase);
  return {
    passphrase,
    notice: `No OUTPOST_KEY_PASSPHRASE was set: generated one into ${file} (mode 0600). Keep a copy; without it the keys cannot be used.`,
  };
}

export type KeyPurpose = 'read' | 'sign' | 'write';

export async function openKeyStore(config: Pick<Config, 'keyPassphrase' | 'keysDir'>, purpose: KeyPurpose): Promise<{ store: KeyStore; notice?: string }> {
  const { keysDir } = config;
  // The command line works on the local keys folder (OUTPOST_KEYS), even where servers share a bucket.
  const { passphrase, notice } = await resolvePassphrase({ keyPassphrase: config.keyPassphrase, keysDir }, purpose === 'write');
  if (!passphrase && purpose !== 'read') {
    throw new KeyAccessError(
      'KEY_PASSPHRASE_MISSING',
      `No key passphrase: set OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE (or create a key first, which generates ${path.join(keysDir, GENERATED_PASSPHRASE_FILE)}).`,
    );
  }
  return { store: new KeyStore(keysFolder(keysDir), passphrase ?? ''), notice };
}
