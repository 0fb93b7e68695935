import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isAtomicTempName } from './atomic-write.ts';
import type { DataLayout } from './data-layout.ts';

/** Files a crash can leave behind: staged uploads, and atomic-write temp files next to their target. */
export async function removeLeftovers(layout: DataLayout, documentIds: readonly string[], vpnDirs: readonly string[], deepFolders: readonly string[] = []): Promise<number> {
  let removed = 0;
  const sweep = async (dir: string, all: boolean, deep: boolean): Promise<void> => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (deep) await sweep(full, all, deep);
      } else if (all || isAtomicTempName(entry.name)) {
        await rm(full, { force: true });
        removed++;
      }
    }
  };
  await sweep(layout.tmpDir, true, false);
  for (const dir of [layout.privateDir, layout.addonsDir, layout.jamiRecordsDir, layout.chromiumRecordsDir, ...vpnDirs]) {
    await sweep(dir, false, false);
  }
  // Other kinds' intents sit one folder down (private/intents/<kind>/); a bucket's catalog copies
  // keep their records one folder down too.
  await sweep(layout.intentsDir, false, true);
  await sweep(layout.bucketCatalogDir, false, true);
  // Folders of many small objects (sessions, sign-in counts: auth/auth-state.ts), by key prefix.
  for (const dir of deepFolders) await sweep(path.join(layout.root, ...dir.split('/')), false, true);
  // Document folders are only written under an intent or a stale mark (add-ons) or by a Chromium
  // change (few, small folders): only those can hold temp files.
  for (const id of documentIds) await sweep(layout.documentsDir(id), false, true);
  return removed;
}

