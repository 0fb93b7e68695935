import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKeyPassphrase } from '../../../src/storage/key-passphrase.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-passphrase-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readKeyPassphrase', () => {
  it('prefers OUTPOST_KEY_PASSPHRASE', async () => {
    const file = path.join(dir, 'p');
    await writeFile(file, 'from file\n');
    expect(await readKeyPassphrase({ value: 'direct', file: file })).toBe('direct');
  });

  it('reads the file, dropping one final newline only', async () => {
    const file = path.join(dir, 'p');
    await writeFile(file, ' secret with spaces \n');
    expect(await readKeyPassphrase({ file: file })).toBe(' secret with spaces ');
    await writeFile(file, 'crlf\r\n');
    expect(await readKeyPassphrase({ file: file })).toBe('crlf');
    await writeFile(file, 'two\n\n');
    expect(await readKeyPassphrase({ file: file })).toBe('two\n');
    await writeFile(file, 'none');
    expect(await readKeyPassphrase({ value: '', file: file })).toBe('none');
  });

  it('reports a missing file', async () => {
    await expect(readKeyPassphrase({ file: path.join(dir, 'nope') })).rejects.toMatchObject({
      code: 'KEY_PASSPHRASE_FILE_MISSING',
    });
  });

  it('is undefined when nothing is configured', async () => {
    expect(await readKeyPassphrase({})).toBeUndefined();
  });
});
