import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stageStream, StagingLimitError } from '../../../src/storage/staged-file.ts';
import { startStaging, StagingWriteError } from '../../../src/storage/staging-worker.ts';

const MiB = 1024 * 1024;
const OUTPUT = path.resolve(import.meta.dirname, '../../../test-output');
mkdirSync(OUTPUT, { recursive: true });
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
  it.each([0, 1, MiB - 1, MiB + 1, 9 * MiB + 5, 33 * MiB + 3])('writes %i bytes exactly, with their sha256', async (size) => {
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

  it('fails, and stops nothing, when the source breaks off before staging has begun', async () => {
    const dir = freshDir();
    const source = new Readable({ read() {} });
    const staged = stageStream(source, dir);
    // While the file is still being opened: an 'error' no one listened to would be uncaught.
    source.destroy(new Error('connection reset'));
    await expect(staged).rejects.toThrow('connection reset');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the file when the source breaks off', async () => {
    const dir = freshDir();
    const source = new Readable({ read() {} });
    const staged = stageStream(source, dir);
    // Past the first head start of the disk's writeback, which must settle before the file goes.
    source.push(randomBytes(20 * MiB));
    setTimeout(() => source.destroy(new Error('connection reset')), 20);
    await expect(staged).rejects.toThrow('connection reset');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the staging worker', () => {
  /** `data` through a job into a new file, in the given chunks, waiting whenever the ring is full. */
  async function throughJob(data: Buffer, direct: boolean) {
    // A folder in the checkout: a tmpfs /tmp refuses O_DIRECT.
    const file = path.join(mkdtempSync(path.join(OUTPUT, 'staging-')), 'upload');
    dirs.push(path.dirname(file));
    const handle = await open(file, 'wx');
    const directHandle = direct
      ? await open(file, constants.O_WRONLY | constants.O_DIRECT).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EINVAL') throw err;
          console.warn(`O_DIRECT is refused in ${OUTPUT}: the worker's direct path is not exercised here`);
          return undefined;
        })
      : undefined;
    const job = startStaging(handle.fd, directHandle?.fd);
    for (let at = 0; at < data.length; at += 300_001) await job.write(data.subarray(at, at + 300_001));
    const result = await job.finish();
    await directHandle?.close();
    await handle.close();
    return { ...result, opened: directHandle !== undefined, file: readFileSync(file) };
  }

  // 4 MiB of ring: 9 MiB and more must wait for slots; sizes off the 4 KiB grid leave a tail.
  it.each([
    ['through the page cache', false],
    ['around it (O_DIRECT)', true],
  ])('writes every byte in order %s', async (_how, direct) => {
    for (const size of [4095, 4096, 9 * MiB + 4097]) {
      const data = randomBytes(size);
      const { sha256: digest, file, direct: wroteDirect, opened } = await throughJob(data, direct as boolean);
      expect(digest).toBe(sha256(data));
      expect(wroteDirect).toBe(opened);
      expect(file.equals(data)).toBe(true);
    }
  });

  it('a stalled upload holds no shared slot: others finish meanwhile, and it can still be cut off', async () => {
    const dir = freshDir();
    const stalled = new Readable({ read() {} });
    stalled.push(randomBytes(MiB - 1));
    const stalledStaging = stageStream(stalled, dir);
    const inputs = Array.from({ length: 6 }, (_, i) => randomBytes(3 * MiB + i));
    const staged = await Promise.all(inputs.map((data) => stageStream(chunked(data), dir)));
    expect(staged.map((s) => s.sha256)).toEqual(inputs.map(sha256));
    stalled.destroy(new Error('connection reset'));
    await expect(stalledStaging).rejects.toThrow('connection reset');
    expect(readdirSync(dir).sort()).toEqual(staged.map((s) => path.basename(s.path)).sort());
  });

  it('a body sent a byte at a time holds its bytes, not a Buffer for each (heap stays flat)', async () => {
    const dir = freshDir();
    const wire = randomBytes(MiB - 1);
    const source = new Readable({ read() {} });
    const staging = stageStream(source, dir);
    const before = process.memoryUsage().heapUsed;
    // As an HTTP parser hands out a chunked body of 1-byte chunks: views of one socket read.
    for (let at = 0; at < wire.length; at += 16_384) {
      for (let j = at; j < Math.min(wire.length, at + 16_384); j++) source.push(wire.subarray(j, j + 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Kept one by one, the stalled upload held ~100 MB of heap; gathered, about its own size.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * MiB);
    source.push(null);
    expect((await staging).sha256).toBe(sha256(wire));
  });

  it('reports a write that fails early: the upload stops at a later chunk, not at its end', async () => {
    const file = path.join(freshDir(), 'read-only');
    await (await open(file, 'wx')).close();
    const handle = await open(file, 'r');
    const job = startStaging(handle.fd, undefined);
    let failure: unknown;
    let taken = 0;
    for (; taken < 64 && failure === undefined; taken++) {
      try {
        await job.write(randomBytes(MiB));
      } catch (err) {
        failure = err;
      }
    }
    // The server's failure, with the system's code (the HTTP layer answers 500, not the client's 400).
    expect(failure).toBeInstanceOf(StagingWriteError);
    expect(failure).toMatchObject({ code: 'EBADF', message: expect.stringMatching(/writing the upload failed/) });
    expect(taken).toBeLessThan(64);
    await job.cancel();
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
