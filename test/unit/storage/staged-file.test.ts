import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hashWhileWriting } from '../../../src/storage/growing-file-hash.ts';
import { stageStream, StagingLimitError } from '../../../src/storage/staged-file.ts';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const dirs: string[] = [];
const freshDir = (): string => {
  dirs.push(mkdtempSync(path.join(tmpdir(), 'outpost-staged-')));
  return dirs.at(-1)!;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `data` in chunks of uneven sizes, as sockets deliver them. */
function chunked(data: Buffer, sizes = [1, 65_536, 7, 300_000, 65_536]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

describe('staging a stream', () => {
  it.each([0, 1, MiB - 1, MiB + 1, 9 * MiB + 5])('writes %i bytes exactly, with their sha256', async (size) => {
    const dir = freshDir();
    const data = randomBytes(size);
    const staged = await stageStream(chunked(data), dir);
    expect(staged).toMatchObject({ size, sha256: sha256(data) });
    expect(readFileSync(staged.path).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual([path.basename(staged.path)]);
  });

  it('hashes several uploads at once, each its own', async () => {
    const dir = freshDir();
    const inputs = [3 * MiB, 5 * MiB + 1, 17, 6 * MiB].map((n) => randomBytes(n));
    const staged = await Promise.all(inputs.map((data) => stageStream(chunked(data), dir)));
    expect(staged.map((s) => s.sha256)).toEqual(inputs.map(sha256));
  });

  it('takes exactly maxBytes, refuses one more and leaves nothing behind', async () => {
    const dir = freshDir();
    const data = randomBytes(2 * MiB);
    expect((await stageStream(chunked(data), dir, 2 * MiB)).size).toBe(2 * MiB);
    const over = freshDir();
    // Still open when refused, as a request body is.
    const source = new Readable({ read() {} });
    source.push(data);
    source.push('x');
    await expect(stageStream(source, over, 2 * MiB)).rejects.toBeInstanceOf(StagingLimitError);
    expect(readdirSync(over)).toEqual([]);
    // The source is left to its owner: a request can still be answered on its connection.
    expect(source.destroyed).toBe(false);
  });

  it('removes the file when the source breaks off', async () => {
    const dir = freshDir();
    const source = new Readable({ read() {} });
    const staged = stageStream(source, dir);
    source.push(randomBytes(3 * MiB));
    setTimeout(() => source.destroy(new Error('connection reset')), 20);
    await expect(staged).rejects.toThrow('connection reset');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('hashing a file as it grows', () => {
  it('reports a file shorter than what was said to be written', async () => {
    const file = path.join(freshDir(), 'short');
    const handle = await open(file, 'wx+');
    await handle.write(randomBytes(1000));
    await expect(hashWhileWriting(handle.fd).digest(5000)).rejects.toThrow(/shorter/);
    await handle.close();
  });

  it('does not keep the process alive once the uploads are done', async () => {
    const module = fileURLToPath(new URL('../../../src/storage/staged-file.ts', import.meta.url));
    const script = `import('${module}').then(({ stageStream }) => stageStream(require('node:stream').Readable.from([Buffer.alloc(3 << 20)]), '${freshDir()}')).then((s) => console.log(s.sha256))`;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe(sha256(Buffer.alloc(3 * MiB)));
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
