import { createHash } from 'node:crypto';
import { hashStream } from '../storage/file-hash.ts';
import { hashingTap } from '../storage/hashing-tap.ts';
import { KEYS_PREFIX, type Deployment } from '../storage/objects/deployment.ts';
import { ObjectStoreError, type ObjectInfo } from '../storage/objects/object-store.ts';
import { GENERATED_PASSPHRASE_FILE } from './key-access.ts';

/**
 * `outpost storage copy`: a whole deployment from one store to another (folder ↔ bucket, also
 * backup and restore). Every object is streamed through sha256, written, then read back from the
 * target and hashed again; a difference stops the copy. Public objects get the headers they are
 * served with. The generated key passphrase is never copied: the keys travel encrypted, and the
 * passphrase is the operator's to carry (OUTPOST_KEY_PASSPHRASE on the other side).
 */

export interface CopyReport {
  objects: number;
  bytes: number;
  /** Keys deliberately not copied, with the reason. */
  skipped: { key: string; reason: string }[];
}

const PASSPHRASE_KEY = `${KEYS_PREFIX}${GENERATED_PASSPHRASE_FILE}`;
/** Objects in flight at once: enough to hide a gateway's latency, few enough to stay polite. */
const PARALLEL = 8;

async function copyOne(from: Deployment, to: Deployment, object: ObjectInfo): Promise<void> {
  const { key } = object;
  const source = await from.storeFor(key).get(key);
  if (!source) throw new ObjectStoreError('STORAGE_VERIFY_FAILED', `${key} was listed in ${from.location} but is gone; stop every server writing to it and copy again.`);
  const hash = createHash('sha256');
  const count = { bytes: 0 };
  const target = to.storeFor(key);
  const tap = hashingTap(hash, count);
  // pipe() does not pass a failing source on: the write would wait for bytes that never come.
  source.stream.once('error', (err) => tap.destroy(err));
  try {
    await target.put(key, source.stream.pipe(tap), source.size);
  } finally {
    // A write refused before it read everything must not leave the source file or socket open.
    source.stream.destroy();
  }
  const sent = hash.digest('hex');
  const back = await target.get(key);
  const stored = back ? await hashStream(back.stream, ['sha256']) : undefined;
  if (count.bytes !== source.size || stored?.digests.sha256 !== sent || stored.bytes !== source.size) {
    throw new ObjectStoreError('STORAGE_VERIFY_FAILED', `${key}: what ${target.location} holds is not what was read from ${from.location} (sha256 ${sent}, ${source.size} bytes). Nothing was removed from the source; copy again into an empty target.`);
  }
}

/** A copy never overwrites: the target must hold no object at all. */
export async function checkEmptyTarget(to: Deployment): Promise<void> {
  for await (const existing of to.list()) {
    throw new ObjectStoreError('STORAGE_TARGET_NOT_EMPTY', `${to.location} already holds ${existing.key}; copy into an empty folder or bucket prefix, so that nothing there is overwritten.`);
  }
}

export async function copyDeployment(from: Deployment, to: Deployment, progress?: (report: CopyReport) => void): Promise<CopyReport> {
  await checkEmptyTarget(to);
  const report: CopyReport = { objects: 0, bytes: 0, skipped: [] };
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const object of from.list()) {
    if (object.key === PASSPHRASE_KEY) {
      report.skipped.push({ key: object.key, reason: 'the generated key passphrase stays with its keys folder; set OUTPOST_KEY_PASSPHRASE where the copy is used' });
      continue;
    }
    // A keys folder holds keys (<name>.key.pem, <name>.json) and nothing else Outpost writes: any
    // other file there (a passphrase file under another name, say) is the operator's, never copied.
    if (object.key.startsWith(KEYS_PREFIX) && !/\.(key\.pem|json)$/.test(object.key)) {
      report.skipped.push({ key: object.key, reason: 'not a key: only <name>.key.pem and <name>.json are copied from a keys folder' });
      continue;
    }
    if (failure) break;
    const task = copyOne(from, to, object).then(
      () => {
        report.objects++;
        report.bytes += object.size;
        progress?.(report);
      },
      (err: unknown) => {
        failure ??= err;
      },
    );
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
    if (running.size >= PARALLEL) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
  return report;
}
