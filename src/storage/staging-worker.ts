import { Worker } from 'node:worker_threads';

/**
 * Uploads are written to disk and hashed by one worker thread, from a ring of memory the event
 * loop copies socket reads into. The event loop then neither hashes nor waits for the page cache,
 * and where the file system allows it the worker writes with O_DIRECT: on a virtual machine that
 * hands its free memory back to the host, every new page-cache page of a 200 MB upload had to be
 * faulted in again, which took the kernel 0.45 s of a 0.7 s publish; writing around the page
 * cache took about 0.15 s, steadily.
 */
export interface StagingJob {
  /** Takes a copy of `chunk`; a promise when the ring was full and it had to wait for a slot. */
  write(chunk: Buffer): Promise<void> | undefined;
  /**
   * Everything is written: the sha256 (hex) of exactly the bytes given, and whether all of it
   * went around the page cache.
   */
  finish(): Promise<{ sha256: string; direct: boolean }>;
  /** Stops; resolves once the worker will not touch the descriptors again, so they may be closed. */
  cancel(): Promise<void>;
}

/** The upload could not be written (a full disk, a failing worker): the server's failure, never the client's. */
export class StagingWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Slot size: a positioned write per MiB, aligned for O_DIRECT. */
const SLOT_BYTES = 1 << 20;
const SLOTS = 2;
const WASM_PAGE = 65_536;
/** O_DIRECT needs offsets, lengths and addresses aligned to the device's block; 4 KiB covers them all. */
const DIRECT_ALIGN = 4096;

// Plain CommonJS, so that it runs the same from the TypeScript sources, the build and the tests.
// Messages of one job arrive in order and are handled one at a time; after answering `end` or
// `cancel` the worker never touches that job's descriptors again. A failed write is remembered
// and slots are still handed back, so the event loop never waits for a slot that cannot come.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const ALIGN = ${DIRECT_ALIGN};
const SLOT = ${SLOT_BYTES};
const jobs = new Map();
function put(job, data) {
  let done = 0;
  if (job.directFd !== undefined) {
    const aligned = data.length - (data.length % ALIGN);
    try {
      while (done < aligned) {
        const n = writeSync(job.directFd, data, done, aligned - done, job.position + done);
        done += n;
        if (n % ALIGN !== 0) break;
      }
    } catch (err) {
      // A file system that takes O_DIRECT at open but not this write: the page cache does.
      if (err.code !== 'EINVAL') throw err;
      job.directFd = undefined;
    }
  }
  while (done < data.length) done += writeSync(job.fd, data, done, data.length - done, job.position + done);
  job.position += data.length;
}
parentPort.on('message', (m) => {
  if (m.ring) return void jobs.set(m.id, { ring: Buffer.from(m.ring), fd: m.fd, directFd: m.directFd, position: 0, hash: createHash('sha256'), error: undefined });
  const job = jobs.get(m.id);
  if (!job) return;
  if (m.slot !== undefined) {
    if (!job.error) {
      try {
        const data = job.ring.subarray(m.slot * SLOT, m.slot * SLOT + m.length);
        job.hash.update(data);
        put(job, data);
      } catch (err) {
        job.error = String((err && err.message) || err);
        job.code = err && err.code;
      }
    }
    return parentPort.postMessage({ id: m.id, freed: m.slot });
  }
  jobs.delete(m.id);
  if (m.cancel) return parentPort.postMessage({ id: m.id, done: true });
  parentPort.postMessage(job.error ? { id: m.id, done: true, error: job.error, code: job.code } : { id: m.id, done: true, sha256: job.hash.digest('hex'), direct: job.directFd !== undefined });
});
`;

type Answer = { id: number; freed?: number; done?: boolean; sha256?: string; direct?: boolean; error?: string; code?: string };

/** Rings are page-aligned (WebAssembly memory is mapped whole) and reused: at most a few stay. */
const ringPool: WebAssembly.Memory[] = [];
const POOLED_RINGS = 2;

function takeRing(): WebAssembly.Memory {
  const pages = (SLOTS * SLOT_BYTES) / WASM_PAGE;
  return ringPool.pop() ?? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** One thread for every upload of the process, started at the first and idle (unref'd) between them. */
class StagingWorker {
  private worker: Worker | undefined;
  private readonly listeners = new Map<number, (answer: Answer) => void>();
  private nextId = 0;

  start(fd: number, directFd: number | undefined): StagingJob {
    const id = this.nextId++;
    const memory = takeRing();
    const ring = Buffer.from(memory.buffer);
    const free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
    let slot: number | undefined;
    let filled = 0;
    /** The worker's last answer for this job (its result, or the error that ended it). */
    let outcome: Answer | undefined;
    /** Whoever waits for the worker's next answer (a write for a slot, finish or cancel). */
    let waiting: (() => void)[] = [];

    this.listeners.set(id, (answer) => {
      if (answer.freed !== undefined) free.push(answer.freed);
      if (answer.done) {
        outcome = answer;
        this.listeners.delete(id);
        this.refCount();
        // Every slot back means the worker is done with the ring: the next upload may have it.
        if (free.length === SLOTS && ringPool.length < POOLED_RINGS) ringPool.push(memory);
      }
      const resume = waiting;
      waiting = [];
      for (const wake of resume) wake();
    });
    this.post({ id, ring: memory.buffer, fd, directFd });
    this.refCount();

    const send = () => {
      this.post({ id, slot, length: filled });
      slot = undefined;
      filled = 0;
    };
    const next = () => new Promise<void>((resolve) => waiting.push(resolve));
    /** Copies from `at` on while slots are free; where it stopped (chunk.length when all is taken). */
    const copy = (chunk: Buffer, at: number): number => {
      while (at < chunk.length) {
        if (slot === undefined) {
          if (free.length === 0) return at;
          slot = free.shift()!;
        }
        const n = chunk.copy(ring, slot * SLOT_BYTES + filled, at, Math.min(chunk.length, at + SLOT_BYTES - filled));
        filled += n;
        at += n;
        if (filled === SLOT_BYTES) send();
      }
      return at;
    };
    const failed = () => new StagingWriteError(`writing the upload failed: ${outcome?.error ?? 'the job has ended'}`, outcome?.code);
    const last = async (message: object): Promise<Answer> => {
      if (!outcome) {
        this.post({ id, ...message });
        while (!outcome) await next();
      }
      return outcome;
    };
    return {
      write: (chunk) => {
        if (outcome) throw failed();
        const at = copy(chunk, 0);
        if (at === chunk.length) return undefined;
        return (async () => {
          for (let from = at; from < chunk.length; from = copy(chunk, from)) {
            await next();
            if (outcome) throw failed();
          }
        })();
      },
      finish: async () => {
        if (slot !== undefined) send();
        const answer = await last({ end: true });
        if (answer.sha256 === undefined) throw failed();
        return { sha256: answer.sha256, direct: answer.direct === true };
      },
      cancel: async () => {
        await last({ cancel: true });
      },
    };
  }

  /** While a job is under way the worker keeps the process alive, and only then. */
  private refCount(): void {
    if (!this.worker) return;
    if (this.listeners.size > 0) this.worker.ref();
    else this.worker.unref();
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
    worker.on('message', (answer: Answer) => this.listeners.get(answer.id)?.(answer));
    // A dead worker writes nothing more: every job learns of it; the next upload starts another.
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the staging worker stopped (exit code ${code})`)));
    // unref() after adding the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, err: unknown): void {
    // A late 'exit' of a worker already replaced must not touch its successor's jobs.
    if (this.worker !== worker) return;
    this.worker = undefined;
    const message = (err as Error)?.message ?? String(err);
    const jobs = [...this.listeners];
    // Jobs learn of it only once the thread has stopped: their descriptors are then closed, and a
    // write still under way could otherwise land in whatever file reused the number.
    const tell = () => {
      for (const [id, listener] of jobs) listener({ id, done: true, error: message });
    };
    worker.terminate().then(tell, tell);
  }
}

const shared = new StagingWorker();

/**
 * Starts writing an upload into the empty file behind `fd` (and `directFd`, the same file opened
 * with O_DIRECT where the file system allows it), hashing it on the way.
 */
export function startStaging(fd: number, directFd: number | undefined): StagingJob {
  return shared.start(fd, directFd);
}
