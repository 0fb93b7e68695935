import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { bodyBytesPassed } from './body-garbage.ts';
import { startStaging, type StagingJob } from './staging-worker.ts';

export interface StagedFile {
  path: string;
  size: number;
  sha256: string;
}

/** The stream went on past `maxBytes`; nothing of it is left on disk. */
export class StagingLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

/** Lets the source run ahead of the worker by this much (beyond what the job holds) before it is paused. */
const SINK_BUFFER_BYTES = 1 << 20;

/** Hands what it is given to the staging worker, counting the bytes and refusing past `maxBytes`. */
class StagingSink extends Writable {
  size = 0;

  constructor(
    private readonly job: StagingJob,
    private readonly maxBytes: number,
  ) {
    super({ highWaterMark: SINK_BUFFER_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.size += chunk.length;
    // Checked before anything past the limit is written.
    if (this.size > this.maxBytes) return done(new StagingLimitError(this.maxBytes));
    let waiting: Promise<void> | undefined;
    try {
      waiting = this.job.write(chunk);
    } catch (err) {
      return done(err as Error);
    }
    bodyBytesPassed(chunk.length);
    if (!waiting) return done();
    waiting.then(() => done(), done);
  }
}

/**
 * The same new file opened with O_DIRECT, where the platform and file system have it (tmpfs, for
 * one, refuses it at open): the worker then writes around the page cache.
 */
async function openDirect(file: string): Promise<FileHandle | undefined> {
  const direct = constants.O_DIRECT;
  if (direct === undefined) return undefined;
  return open(file, constants.O_WRONLY | direct).catch(() => undefined);
}

/**
 * Streams `source` into a new private file in `dir` while a worker writes and hashes it, so a
 * package is never held whole and costs no second pass on the event loop. On any failure (the
 * source breaking off, `maxBytes` exceeded, a full disk) the file is removed before the promise
 * rejects. The file is opened before the first byte is taken, so no open can still be in flight
 * when it is removed (see removeStreamFile for what that race did). The source is left as it is,
 * not destroyed: for a request body, the connection can still carry the refusal. The file is not
 * fsynced here: whoever publishes it does that (ObjectStore.adopt).
 */
export async function stageStream(source: Readable, dir: string, maxBytes = Number.POSITIVE_INFINITY): Promise<StagedFile> {
  // Listened to before the first await: a source that breaks off while the file is being opened
  // (a client resetting its upload) must fail this staging, not raise an 'error' event that no one
  // hears, which would stop the process. (Awaited below; marked handled for the early exits.)
  const sourceDone = finished(source);
  sourceDone.catch(() => undefined);
  const file = path.join(dir, `upload-${randomBytes(12).toString('hex')}`);
  const handle = await open(file, 'wx', 0o600);
  let direct: FileHandle | undefined;
  let job: StagingJob | undefined;
  let sink: StagingSink | undefined;
  const close = async () => {
    await direct?.close();
    await handle.close();
  };
  try {
    direct = await openDirect(file);
    job = startStaging(handle.fd, direct?.fd);
    sink = new StagingSink(job, maxBytes);
    // pipe(), not pipeline(): a failing sink unpipes itself, and the source stays readable.
    source.pipe(sink);
    await Promise.all([sourceDone, finished(sink)]);
    const { sha256 } = await job.finish();
    await close();
    return { path: file, size: sink.size, sha256 };
  } catch (err) {
    if (sink) {
      source.unpipe(sink);
      sink.destroy();
    }
    await job?.cancel();
    await close().catch(() => undefined);
    await rm(file, { force: true });
    throw err;
  }
}
