import { readFile, readdirSync, statSync, utimesSync } from 'node:fs';
import { isAtomicTempName } from './atomic-write.ts';

/** File-system helpers of the indexed record store: one record is `<dir>/<id>.json`. */
export const RECORD_SUFFIX = '.json';

/** fs.readFile with a callback: about half the overhead of fs/promises' FileHandle-based one. */
export function readText(file: string): Promise<string> {
  return new Promise((resolve, reject) => readFile(file, 'utf8', (err, text) => (err ? reject(err) : resolve(text))));
}

/** The ids of the records in `dir` (atomic-write temp files left out). */
export function recordIds(dir: string): Set<string> {
  return new Set(readdirSync(dir).filter((n) => n.endsWith(RECORD_SUFFIX) && !isAtomicTempName(n)).map((n) => n.slice(0, -RECORD_SUFFIX.length)));
}

/**
 * Whether the records folder may have changed since the index was last written: every change
 * renames a record file (the folder's mtime) before it appends to the index (the index's mtime),
 * so a folder at least as new as the index had files added or removed behind the index's back.
 * "At least": timestamps are coarse, and an unneeded check costs only one folder listing.
 */
export function folderChangedSince(dir: string, index: string): boolean {
  try {
    return statSync(dir).mtimeMs >= statSync(index).mtimeMs;
  } catch {
    return true;
  }
}

/** After a check found the index complete: the index is made newer than the folder, so the next start trusts it. */
export function markChecked(dir: string, index: string): void {
  utimesSync(index, new Date(), new Date(statSync(dir).mtime.getTime() + 1));
}
