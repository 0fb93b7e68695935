import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { RCC } from '../limits.ts';
import type { ZstdFrame } from '../vpn/rcc-read.ts';
import { VpnError } from '../vpn/vpn-errors.ts';
import { KeyedLock } from './keyed-lock.ts';

/**
 * Decodes checked zstd frames (zstdFramesOf) off the event loop, within a deadline. The frame
 * checker proves sizes, sequences and matches, but fzstd was seen to spin without end on a frame
 * whose Huffman-coded literals the checker does not prove; in a worker, such a frame costs one
 * terminated thread and a refusal, never the server. The output buffers are the declared sizes,
 * already checked against RCC's limits, so the worker's own heap can stay small.
 */

// Plain CommonJS, so that it runs the same from the TypeScript sources, the build and the tests.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { decompress } = require(workerData.fzstd);
const results = [];
for (const { frame, size } of workerData.frames) {
  const out = new Uint8Array(size);
  try {
    const written = decompress(frame, out);
    results.push(written.length === size ? out : { error: 'it gives ' + written.length + ' bytes, not the ' + size + ' it declares' });
  } catch (err) {
    results.push({ error: String(err && err.message || err) });
  }
}
parentPort.postMessage(results, results.filter((r) => r instanceof Uint8Array).map((r) => r.buffer));
`;

const FZSTD = createRequire(import.meta.url).resolve('fzstd');

// One decoding at a time: each may hold up to RCC.maxTotalUncompressedBytes, and uploads of VPN
// add-ons are rare. A few more may wait; beyond that an upload is turned away at once, so frames
// that run to the deadline cannot pile up minutes of waiting (and their files) behind each other.
const queue = new KeyedLock();
const MAX_WAITING = 4;
/** Starting a thread takes tens of milliseconds; this is for one that never starts. */
const STARTUP_MS = 30_000;
let waiting = 0;

export interface BoundedZstdOptions {
  /** From the worker being ready: starting a thread is not decoding. */
  readonly deadlineMs?: number;
}

function invalid(path: string, reason: string): VpnError {
  return new VpnError('VPN_RCC_INVALID', `The resource entry "${path}" cannot be read: its zstd frame is corrupt (${reason}). Build the add-on again with Qt's rcc.`);
}

function decodeInWorker(frames: readonly ZstdFrame[], deadlineMs: number): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { fzstd: FZSTD, frames: frames.map(({ frame, size }) => ({ frame, size })) },
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
      stdout: true,
      stderr: true,
    });
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    // A thread that never starts (the machine out of threads or memory) is the server's trouble: 503.
    timer = setTimeout(() => settle(() => reject(new VpnError('VPN_RCC_BUSY', 'The zstd decoder could not be started; send the add-on again in a moment.'))), STARTUP_MS);
    worker.once('online', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        settle(() =>
          reject(new VpnError('VPN_RCC_TOO_COMPLEX', `The resource file's zstd entries were not decoded within ${deadlineMs / 1000} s; rebuild it with Qt's rcc (zstd or zlib).`)),
        );
      }, deadlineMs);
    });
    worker.once('message', (results: (Uint8Array | { error: string })[]) => {
      settle(() => {
        const decoded = new Map<string, Buffer>();
        for (const [i, result] of results.entries()) {
          const { path } = frames[i]!;
          if (!(result instanceof Uint8Array)) return reject(invalid(path, result.error));
          decoded.set(path, Buffer.from(result.buffer, result.byteOffset, result.byteLength));
        }
        resolve(decoded);
      });
    });
    // Out of memory inside the worker (the heap limit) or any other failure: the frame's fault.
    worker.once('error', (err) => settle(() => reject(invalid(frames[0]?.path ?? '', err.message))));
    worker.once('exit', (code) => settle(() => reject(invalid(frames[0]?.path ?? '', `the decoder stopped with code ${code}`))));
  });
}

/** Each frame's content, keyed by entry path; a VpnError for a corrupt frame or one past the deadline. */
export async function decodeZstdFrames(frames: readonly ZstdFrame[], options: BoundedZstdOptions = {}): Promise<Map<string, Buffer>> {
  if (frames.length === 0) return new Map();
  if (waiting >= MAX_WAITING) throw new VpnError('VPN_RCC_BUSY', 'Other VPN add-ons are being decoded right now; send this one again in a few seconds.');
  waiting++;
  try {
    return await queue.run('zstd', () => decodeInWorker(frames, options.deadlineMs ?? RCC.zstdDeadlineMs));
  } finally {
    waiting--;
  }
}
