import { Worker } from 'node:worker_threads';

/**
 * The sha256 of a file computed by a worker thread while the file is still being written, from
 * what is already on disk (the page cache), through the writer's own descriptor. The event loop
 * that receives an upload then never hashes: on the 2-core reference machine hashing 200 MB took
 * about 140 ms of a 500 ms receive, all of it on the thread that also reads the socket.
 */
export interface GrowingFileHash {
  /** The first `length` bytes are written; the worker may hash up to there. */
  written(length: number): void;
  /** The file is complete at `length` bytes: the sha256 (hex) of exactly those bytes. */
  digest(length: number): Promise<string>;
  /** Stops hashing; resolves once the worker will not read the descriptor again, so it may be closed. */
  cancel(): Promise<void>;
}

// Plain CommonJS, so that it runs the same from the TypeScript sources, the build and the tests.
// Messages for one job arrive in order and are handled one at a time: after answering `end` or
// `cancel`, the worker never touches that job's descriptor again.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const jobs = new Map();
const buffer = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, fd, upTo, end, cancel }) => {
  let job = jobs.get(id);
  if (cancel) return jobs.delete(id), parentPort.postMessage({ id });
  if (!job) jobs.set(id, (job = { read: 0, hash: createHash('sha256'), error: undefined }));
  try {
    while (!job.error && job.read < upTo) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, upTo - job.read), job.read);
      if (n === 0) throw new Error('the file is shorter than what was written to it');
      job.hash.update(buffer.subarray(0, n));
      job.read += n;
    }
  } catch (err) {
    job.error = String((err && err.message) || err);
  }
  if (end) jobs.delete(id), parentPort.postMessage(job.error ? { id, error: job.error } : { id, sha256: job.hash.digest('hex') });
});
`;

/** Tell the worker about new bytes in steps this large: a message per socket read cost more than the hashing. */
const NOTIFY_BYTES = 4 << 20;

type Answer = { id: number; sha256?: string; error?: string };

/** One thread for every upload of the process, started at the first and idle (unref'd) between them. */
class HashWorker {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private nextId = 0;

  start(fd: number): GrowingFileHash {
    const id = this.nextId++;
    let notified = 0;
    let final: Promise<Answer> | undefined;
    const ask = (message: object): Promise<Answer> => {
      final ??= this.request(id, { id, fd, ...message });
      return final;
    };
    return {
      written: (length) => {
        if (final || length - notified < NOTIFY_BYTES) return;
        notified = length;
        this.post({ id, fd, upTo: length });
      },
      digest: async (length) => {
        const answer = await ask({ upTo: length, end: true });
        if (answer.sha256 === undefined) throw new Error(`hashing the upload failed: ${answer.error ?? 'unknown error'}`);
        return answer.sha256;
      },
      cancel: async () => {
        // Nothing sent yet (a small upload that failed early): the worker has no job to stop.
        if (notified === 0 && !final) return;
        await ask({ cancel: true });
      },
    };
  }

  private request(id: number, message: object): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.post(message);
      // Only while an answer is awaited does the worker keep the process alive.
      this.worker?.ref();
    });
  }

  private post(message: object): void {
    const worker = this.thread();
    try {
      worker.postMessage(message);
    } catch (err) {
      this.fail(worker, err);
    }
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    worker.on('message', (answer: Answer) => {
      const resolve = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      resolve?.(answer);
    });
    // A dead worker reads nothing more: whoever waits learns of it, and the next message starts
    // another, which hashes a job it has not seen from the file's first byte.
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the hashing worker stopped (exit code ${code})`)));
    // unref() after adding the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, err: unknown): void {
    // A late 'exit' of a worker already replaced must not touch its successor's jobs.
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const [id, resolve] of waiting) resolve({ id, error: (err as Error)?.message ?? String(err) });
  }
}

const shared = new HashWorker();

/** Starts hashing the file behind `fd` (opened for reading too) as it grows. */
export function hashWhileWriting(fd: number): GrowingFileHash {
  return shared.start(fd);
}
