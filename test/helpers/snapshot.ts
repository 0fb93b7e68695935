import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every file under a folder with its sha256 and mode, for "nothing changed" assertions. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const info = statSync(full);
      const rel = path.relative(root, full);
      if (info.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else {
        out[rel] = `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${(info.mode & 0o777).toString(8)}`;
      }
    }
  };
  walk(root);
  return out;
}
