import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import type { KeyPassphraseSource } from '../config.ts';
import { KeyStoreError } from './key-store.ts';

/**
 * The key store passphrase: OUTPOST_KEY_PASSPHRASE if set and not empty, else the contents of the
 * file named by OUTPOST_KEY_PASSPHRASE_FILE (a mounted secret; one final newline, as editors and
 * `echo` add, is not part of it). undefined when neither is configured.
 */
export async function readKeyPassphrase(source: KeyPassphraseSource): Promise<string | undefined> {
  if (source.value) return source.value;
  const { file } = source;
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new KeyStoreError(
      'KEY_PASSPHRASE_FILE_MISSING',
      `OUTPOST_KEY_PASSPHRASE_FILE names ${file}, which cannot be read (${code}); fix the path or the file's permissions.`,
      { cause },
    );
  }
  return text.replace(/\r?\n$/, '');
}

/** The passphrase Outpost generated into the keys folder on a first start, if any. */
export async function readGeneratedPassphrase(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}

/** Beside the keys it opens, readable by the server's user only. */
export async function writeGeneratedPassphrase(file: string, passphrase: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${passphrase}\n`, { mode: 0o600 });
}
