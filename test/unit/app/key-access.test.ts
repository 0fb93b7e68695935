import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeyStore, resolvePassphrase } from '../../../src/app/key-access.ts';
import { loadConfig } from '../../../src/config.ts';

/**
 * Where the key passphrase comes from. A keys folder may keep one Outpost generated; a bucket
 * never does, so every instance on it must be given the same one (README: Object storage).
 */
let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'outpost-key-access-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const BUCKET = { OUTPOST_STORAGE: 's3://outpost-test/site' };
const config = (env: Record<string, string> = {}) => loadConfig({ OUTPOST_KEYS: 'keys', ...env }, cwd);
const generated = (): string => path.join(cwd, 'keys', 'passphrase');

describe('resolvePassphrase with a keys folder', () => {
  it('generates one into <keys>/passphrase (0600) on first use, then reads it back', async () => {
    const first = await resolvePassphrase(config(), true);
    expect(first.notice).toContain(generated());
    expect((await stat(generated())).mode & 0o777).toBe(0o600);
    expect(await readFile(generated(), 'utf8')).toBe(`${first.passphrase}\n`);
    expect(await resolvePassphrase(config(), false)).toEqual({ passphrase: first.passphrase });
  });
});

describe('resolvePassphrase with a bucket', () => {
  it('refuses to generate one, naming both variables, and writes nothing', async () => {
    const refused = resolvePassphrase(config(BUCKET), true);
    await expect(refused).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(refused).rejects.toThrow(/OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE/);
    await expect(refused).rejects.toThrow('s3://outpost-test/site/private/keys/');
    expect(existsSync(path.join(cwd, 'keys'))).toBe(false);
  });

  it("does not use one generated earlier for this machine's keys folder", async () => {
    await resolvePassphrase(config(), true);
    await expect(resolvePassphrase(config(BUCKET), true)).rejects.toThrow(generated());
    expect(await resolvePassphrase(config(BUCKET), false)).toEqual({});
  });

  it('takes OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE', async () => {
    expect(await resolvePassphrase(config({ ...BUCKET, OUTPOST_KEY_PASSPHRASE: 'given' }), true)).toEqual({ passphrase: 'given' });
    await writeFile(path.join(cwd, 'secret'), 'mounted\n');
    expect(await resolvePassphrase(config({ ...BUCKET, OUTPOST_KEY_PASSPHRASE_FILE: 'secret' }), true)).toEqual({ passphrase: 'mounted' });
  });
});

describe('openKeyStore (the command line)', () => {
  it('works on the local keys folder as before, OUTPOST_STORAGE or not', async () => {
    const { store, notice } = await openKeyStore(config(BUCKET), 'write');
    expect(notice).toContain(generated());
    const info = await store.create('local', 2048);
    expect(existsSync(path.join(cwd, 'keys', 'local.key.pem'))).toBe(true);
    expect((await (await openKeyStore(config(BUCKET), 'sign')).store.signer('local')).updateKey).toBe(info.updateKey);
  });
});
