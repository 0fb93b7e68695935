import { Worker } from 'node:worker_threads';
import { PendingBytes } from './pending-bytes.ts';
import { SLOT_BYTES, SlotArena } from './slot-arena.ts';
import { stagingThreadSource } from './staging-thread.ts';

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


type Answer = { id: number; freed?: number; done?: boolean; sha256?: string; direct?: boolean; error?: string; code?: string };

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
    const pending = new PendingBytes();
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
      pending.moveInto(arena.bytes, slot * SLOT_BYTES, length);
      // Recorded first: if this thread dies, the slot comes back once it has stopped.
      this.slotsHeld.set(slot, worker);
      this.postTo(worker, { id, slot, length });
    };
    /** Hands over full slots (and with `all`, the rest), waiting for free ones as needed. */
    const drain = (all: boolean): Promise<void> | undefined => {
      while (pending.size >= SLOT_BYTES || (all && pending.size > 0)) {
        if (failure || outcome) throw failed();
        const worker = this.thread();
        const slot = arena.take();
        if (slot === undefined) {
          return (async () => {
            await arena.whenFree();
            await drain(all);
          })();
        }
        hand(worker, slot, Math.min(SLOT_BYTES, pending.size));
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
        pending.keep(chunk);
        return drain(false);
      },
      finish: async () => {
        await drain(true);
        const answer = await last({ end: true });
        if (answer.sha256 === undefined) throw failed();
        return { sha256: answer.sha256, direct: answer.direct === true };
      },
      cancel: async () => {
        pending.clear();
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
    const worker = new Worker(stagingThreadSource(SLOT_BYTES), {
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
