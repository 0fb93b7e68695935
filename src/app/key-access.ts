import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config.ts';
import { OutpostError } from '../errors.ts';
import { readGeneratedPassphrase, readKeyPassphrase, writeGeneratedPassphrase } from '../storage/key-passphrase.ts';
import { KeyStore, keysFolder } from '../storage/key-store.ts';

export type KeyAccessErrorCode = 'KEY_PASSPHRASE_MISSING';
export class KeyAccessError extends OutpostError<KeyAccessErrorCode> {}

export const GENERATED_PASSPHRASE_FILE = 'passphrase';

/**
 * The passphrase that encrypts private keys: OUTPOST_KEY_PASSPHRASE, else the file named by
 * OUTPOST_KEY_PASSPHRASE_FILE, else one Outpost generated earlier into <keys>/passphrase. Writing
 * code may generate that file on first use; reading metadata needs no passphrase at all.
 */
export async function resolvePassphrase(
  config: Pick<Config, 'keyPassphrase' | 'keysDir'>,
  mayGenerate: boolean,
): Promise<{ passphrase?: string; notice?: string }> {
  const { keysDir } = config;
  const configured = await readKeyPassphrase(config.keyPassphrase);
  if (configured) return { passphrase: configured };
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
  const { passphrase, notice } = await resolvePassphrase(config, purpose === 'write');
  if (!passphrase && purpose !== 'read') {
    throw new KeyAccessError(
      'KEY_PASSPHRASE_MISSING',
      `No key passphrase: set OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE (or create a key first, which generates ${path.join(keysDir, GENERATED_PASSPHRASE_FILE)}).`,
    );
  }
  return { store: new KeyStore(keysFolder(keysDir), passphrase ?? ''), notice };
}
