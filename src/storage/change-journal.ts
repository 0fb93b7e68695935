import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isAtomicTempName, writeFileAtomic } from './atomic-write.ts';
import type { DataLayout } from './data-layout.ts';

/**
 * One small file per add-on while a change to it is under way, written before the first write of
 * the change and removed after the last. After a crash, start-up recovery reads what was under way
 * and either finishes the change (its record was saved) or takes it back (it was not), so no
 * acknowledged change is lost and no half-done one is served.
 */
export interface Intent {
  id: string;
  /** The record revision the change produces. */
  revision: number;
  action: 'publish' | 'withdraw' | 'restore' | 'edit-range';
  /** A package file the change moves into the public tree (publish). */
  file?: string;
}

export class ChangeJournal {
  constructor(private readonly layout: DataLayout) {}

  async begin(intent: Intent): Promise<void> {
    await writeFileAtomic(this.layout.intentPath(intent.id), `${JSON.stringify(intent)}\n`, { mode: 0o600 });
  }

  async end(id: string): Promise<void> {
    await rm(this.layout.intentPath(id), { force: true });
  }

  /** Start-up only. Unreadable intents are reported with a reason instead of stopping the start. */
  pending(): { intents: Intent[]; problems: { file: string; reason: string }[] } {
    const intents: Intent[] = [];
    const problems: { file: string; reason: string }[] = [];
    for (const name of readdirSync(this.layout.intentsDir)) {
      if (isAtomicTempName(name) || !name.endsWith('.json')) continue;
      try {
        const intent = JSON.parse(readFileSync(path.join(this.layout.intentsDir, name), 'utf8')) as Intent;
        if (typeof intent.id !== 'string' || `${intent.id}.json` !== name || !Number.isInteger(intent.revision)) throw new Error('not an intent');
        intents.push(intent);
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return { intents, problems };
  }
}
