import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { OutpostError } from '../errors.ts';

/**
 * Locks between processes, as lock files created with O_EXCL: the server holds one on its data
 * folder for as long as it runs (a second server refuses to start), and every read-modify-write of
 * a shared state file (tokens, admins) holds one for the few milliseconds it takes, so the CLI and
 * a running server never lose each other's changes. A lock whose process is gone (kill -9) is stale
 * and taken over.
 */
export type LockErrorCode = 'DATA_FOLDER_IN_USE' | 'LOCK_TIMEOUT';
export class LockError extends OutpostError<LockErrorCode> {}

interface Owner {
  pid: number;
  host: string;
}

/** Whether a process of this machine still exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function owner(file: string): Promise<Owner | undefined> {
  try {
    const [pid, host] = (await readFile(file, 'utf8')).split('\n');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return undefined;
  }
}

/** Creates `file` for this process; undefined while another live process holds it. */
async function tryLock(file: string): Promise<Owner | undefined> {
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${process.pid}\n${hostname()}\n`);
    await handle.close();
    return { pid: process.pid, host: hostname() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = await owner(file);
  // Only a lock of this machine can be judged; a half-written one (no pid yet) is being created.
  if (holder && Number.isInteger(holder.pid) && holder.pid > 0 && holder.host === hostname() && !processAlive(holder.pid)) {
    await rm(file, { force: true });
    return tryLock(file);
  }
  return undefined;
}

export interface HeldLock {
  release(): Promise<void>;
}

function held(file: string): HeldLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const holder = await owner(file);
      if (holder?.pid === process.pid) await rm(file, { force: true });
    },
  };
}

/** The server's lock on its data folder: refuses at once when another live server holds it. */
export async function lockDataFolder(file: string, dataDir: string): Promise<HeldLock> {
  if (await tryLock(file)) return held(file);
  const holder = await owner(file);
  throw new LockError(
    'DATA_FOLDER_IN_USE',
    `Another Outpost server (pid ${holder?.pid ?? '?'} on ${holder?.host || 'this machine'}) is already serving ${dataDir}. Stop it first, or give this one its own OUTPOST_DATA. (If no such process exists, remove ${file}.)`,
  );
}

/** Runs `task` holding `file`, waiting for another holder for at most `timeoutMs`. */
export async function withFileLock<T>(file: string, task: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  let wait = 2;
  while (!(await tryLock(file))) {
    if (Date.now() > giveUpAt) throw new LockError('LOCK_TIMEOUT', `${file} has been locked by another process for over ${timeoutMs / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await task();
  } finally {
    await held(file).release();
  }
}
