import { readFile } from 'node:fs/promises';
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
