import { Worker } from 'node:worker_threads';

/**
 * Uploads are written to disk and hashed by one worker thread, from slots of shared memory the
 * event loop copies socket reads into. The event loop then neither hashes nor waits for the page
 * cache, and where the file system allows it the worker writes with O_DIRECT: on a virtual machine
 * that hands its free memory back to the host, every new page-cache page of a 200 MB upload had to
 * be faulted in again, which took the kernel 0.45 s of a 0.7 s publish; writing around the page
 * cache took about 0.15 s, steadily.
 */
export interface StagingJob {
  /** Takes `chunk` (kept by reference until copied); a promise when it must wait for a free slot. */
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
/**
 * Slots for every upload of the process together (4 MiB). A job takes one only to hand a full MiB
 * (or its last bytes) to the worker, so a slow client holds none: it holds what it sent, at most
 * a slot's worth, in its own buffers.
 */
const SLOTS = 4;
const WASM_PAGE = 65_536;
/**
 * Chunks smaller than this are copied into a buffer of this size rather than kept by reference:
 * a body sent a byte at a time would otherwise hold a million Buffers until its slot is full.
 */
const GATHER_BYTES = 65_536;
/** O_DIRECT needs offsets, lengths and addresses aligned to the device's block; 4 KiB covers them all. */
const DIRECT_ALIGN = 4096;

// Plain CommonJS, so that it runs the same from the TypeScript sources, the build and the tests.
// Messages of one job arrive in order and are handled one at a time; after answering `end` or
// `cancel` the worker never touches that job's descriptors again. Every slot is handed back, a
// failed write's too; the first failure of a job is told at once, so its upload stops early.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const ALIGN = ${DIRECT_ALIGN};
const SLOT = ${SLOT_BYTES};
const arena = Buffer.from(workerData.arena);
const jobs = new Map();
function writeAt(fd, data, from, to, position) {
  const n = writeSync(fd, data, from, to - from, position + from);
  if (n <= 0) throw Object.assign(new Error('the disk took no bytes'), { code: 'EIO' });
  return n;
}
function put(job, data) {
  let done = 0;
  if (job.directFd !== undefined) {
    const aligned = data.length - (data.length % ALIGN);
    try {
      while (done < aligned) {
        const n = writeAt(job.directFd, data, done, aligned, job.position);
        done += n;
        // A short write off the grid: the rest goes through the page cache.
        if (n % ALIGN !== 0) break;
      }
    } catch (err) {
      // A file system that takes O_DIRECT at open but not this write: the page cache does.
      if (err.code !== 'EINVAL') throw err;
      job.directFd = undefined;
    }
  }
  while (done < data.length) done += writeAt(job.fd, data, done, data.length, job.position);
  job.position += data.length;
}
parentPort.on('message', (m) => {
  if (m.start) return void jobs.set(m.id, { fd: m.fd, directFd: m.directFd, position: 0, hash: createHash('sha256'), error: undefined });
  const job = jobs.get(m.id);
  if (m.slot !== undefined) {
    if (job && !job.error) {
      try {
        const data = arena.subarray(m.slot * SLOT, m.slot * SLOT + m.length);
        job.hash.update(data);
        put(job, data);
      } catch (err) {
        job.error = String((err && err.message) || err);
        job.code = err && err.code;
        parentPort.postMessage({ id: m.id, error: job.error, code: job.code });
      }
    }
    return parentPort.postMessage({ freed: m.slot });
  }
  // A job this thread never started began on a thread that has died: it hears of it from there.
  if (!job) return;
  jobs.delete(m.id);
  if (m.cancel) return parentPort.postMessage({ id: m.id, done: true });
  parentPort.postMessage(job.error ? { id: m.id, done: true, error: job.error, code: job.code } : { id: m.id, done: true, sha256: job.hash.digest('hex'), direct: job.directFd !== undefined });
});
`;

type Answer = { id: number; freed?: number; done?: boolean; sha256?: string; direct?: boolean; error?: string; code?: string };

/** The shared slots: page-aligned (WebAssembly memory is mapped whole), handed out first come, first served. */
class SlotArena {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Buffer;
  private free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  private readonly waiting: (() => void)[] = [];

  constructor() {
    const pages = (SLOTS * SLOT_BYTES) / WASM_PAGE;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.bytes = Buffer.from(this.memory.buffer);
  }

  /** A free slot now, or undefined (then `whenFree` resolves once one may be; take again). */
  take(): number | undefined {
    return this.free.shift();
  }

  whenFree(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Every waiter looks again: one woken for a job since cancelled must not leave the slot unseen. */
  release(slot: number): void {
    this.free.push(slot);
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** One thread for every upload of the process, started at the first and idle (unref'd) between them. */
class StagingWorker {
  private arena: SlotArena | undefined;
  private worker: Worker | undefined;
  private readonly listeners = new Map<number, (answer: Answer) => void>();
  /** Which thread each slot in flight was handed to: a dead one's come back when it has stopped. */
  private readonly slotsHeld = new Map<number, Worker>();
  private nextId = 0;

  start(fd: number, directFd: number | undefined): StagingJob {
    let arena: SlotArena;
    try {
      arena = this.arena ??= new SlotArena();
    } catch (err) {
      throw new StagingWriteError(`no memory for the staging slots: ${(err as Error)?.message ?? String(err)}`);
    }
    const worker = this.thread();
    const id = this.nextId++;
    /** Chunks given and not yet copied into a slot, and their length. */
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    /** Where small chunks are gathered: the last of `pending` is a view of its first `gathered` bytes. */
    let gather: Buffer | undefined;
    let gathered = 0;
    const keep = (chunk: Buffer) => {
      if (chunk.length >= GATHER_BYTES) {
        pending.push(chunk);
        gather = undefined;
      } else {
        if (!gather || gathered + chunk.length > GATHER_BYTES) {
          gather = Buffer.allocUnsafe(GATHER_BYTES);
          gathered = 0;
          pending.push(gather);
        }
        chunk.copy(gather, gathered);
        gathered += chunk.length;
        pending[pending.length - 1] = gather.subarray(0, gathered);
      }
      pendingBytes += chunk.length;
    };
    /** The first failure the worker told of, then its last answer for this job. */
    let failure: Answer | undefined;
    let outcome: Answer | undefined;
    let waitingForEnd: (() => void) | undefined;

    this.listeners.set(id, (answer) => {
      failure ??= answer.error === undefined ? undefined : answer;
      if (!answer.done) return;
      outcome = answer;
      this.listeners.delete(id);
      this.refCount();
      waitingForEnd?.();
    });
    this.postTo(worker, { start: true, id, fd, directFd });
    this.refCount();

    const failed = () => {
      const told = failure ?? outcome;
      return new StagingWriteError(`writing the upload failed: ${told?.error ?? 'the upload has ended'}`, told?.code);
    };
    /** Copies the first `length` pending bytes into `slot` and hands it to the worker. */
    const hand = (worker: Worker, slot: number, length: number) => {
      // What is copied out is no longer the last of `pending`: small chunks gather anew.
      gather = undefined;
      let at = slot * SLOT_BYTES;
      let left = length;
      while (left > 0) {
        const head = pending[0]!;
        const n = Math.min(head.length, left);
        head.copy(arena.bytes, at, 0, n);
        at += n;
        left -= n;
        if (n === head.length) pending.shift();
        else pending[0] = head.subarray(n);
      }
      pendingBytes -= length;
      // Recorded first: if this thread dies, the slot comes back once it has stopped.
      this.slotsHeld.set(slot, worker);
      this.postTo(worker, { id, slot, length });
    };
    /** Hands over full slots (and with `all`, the rest), waiting for free ones as needed. */
    const drain = (all: boolean): Promise<void> | undefined => {
      while (pendingBytes >= SLOT_BYTES || (all && pendingBytes > 0)) {
        if (failure || outcome) throw failed();
        const worker = this.thread();
        const slot = arena.take();
        if (slot === undefined) {
          return (async () => {
            await arena.whenFree();
            await drain(all);
          })();
        }
        hand(worker, slot, Math.min(SLOT_BYTES, pendingBytes));
      }
      return undefined;
    };
    const last = async (message: object): Promise<Answer> => {
      if (!outcome) {
        const ended = new Promise<void>((resolve) => (waitingForEnd = resolve));
        try {
          this.post({ id, ...message });
        } catch {
          // No thread can start: the job's own has died, and tells it once it has stopped.
        }
        await ended;
      }
      return outcome!;
    };
    return {
      write: (chunk) => {
        if (failure || outcome) throw failed();
        keep(chunk);
        return drain(false);
      },
      finish: async () => {
        await drain(true);
        const answer = await last({ end: true });
        if (answer.sha256 === undefined) throw failed();
        return { sha256: answer.sha256, direct: answer.direct === true };
      },
      cancel: async () => {
        pending = [];
        pendingBytes = 0;
        gather = undefined;
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
    this.postTo(this.thread(), message);
  }

  private postTo(worker: Worker, message: object): void {
    try {
      worker.postMessage(message);
    } catch (err) {
      this.fail(worker, err);
    }
  }

  /** The live thread, started when there is none; a thread that cannot start is the server's failure. */
  private thread(): Worker {
    if (this.worker) return this.worker;
    try {
      return this.startThread();
    } catch (err) {
      throw new StagingWriteError(`the staging worker could not start: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private startThread(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { arena: this.arena!.memory.buffer },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', (answer: Answer) => {
      if (answer.freed !== undefined) {
        this.slotsHeld.delete(answer.freed);
        return this.arena!.release(answer.freed);
      }
      this.listeners.get(answer.id)?.(answer);
    });
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
    // write still under way could otherwise land in whatever file reused the number. The slots
    // it held are free from then on too.
    const tell = () => {
      for (const [slot, holder] of [...this.slotsHeld]) {
        if (holder !== worker) continue;
        this.slotsHeld.delete(slot);
        this.arena?.release(slot);
      }
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
