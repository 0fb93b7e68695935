import { dataKeys } from './data-keys.ts';
import { listNames, readObject, readVersioned, writeObject } from './objects/object-bytes.ts';
import type { ObjectStore } from './objects/object-store.ts';

/**
 * One small object per add-on while a change to it is under way (private/intents/<id>.json),
 * written before the first write of the change and removed after the last. After a crash, start-up
 * recovery reads what was under way and either finishes the change (its record was saved) or takes
 * it back (it was not), so no acknowledged change is lost and no half-done one is served.
 */
export interface Intent {
  id: string;
  /** The record revision the change produces. */
  revision: number;
  action: 'publish' | 'withdraw' | 'restore' | 'edit-range' | 'visibility';
  /** A package file the change moves into the public tree (publish). */
  file?: string;
}

export class ChangeJournal {
  constructor(private readonly objects: ObjectStore) {}

  async begin(intent: Intent): Promise<void> {
    await writeObject(this.objects, dataKeys.intent(intent.id), `${JSON.stringify(intent)}\n`);
  }

  async end(id: string): Promise<void> {
    await this.objects.remove(dataKeys.intent(id));
  }

  /** The intent for `id`, if one is under way (and readable). */
  async read(id: string): Promise<Intent | undefined> {
    const bytes = await readObject(this.objects, dataKeys.intent(id), 64 * 1024);
    if (!bytes) return undefined;
    try {
      const intent = JSON.parse(bytes.toString('utf8')) as Intent;
      return intent.id === id && Number.isInteger(intent.revision) ? intent : undefined;
    } catch {
      return undefined; // reported by pending()
    }
  }

  /**
   * Unreadable intents are reported with a reason instead of stopping the start. `before`: only
   * intents written before this time (by the store's clock; one without a time counts as old), so
   * a running instance leaves alone the changes others are making right now.
   */
  async pending(options: { before?: number } = {}): Promise<{ intents: Intent[]; problems: { file: string; reason: string }[] }> {
    const intents: Intent[] = [];
    const problems: { file: string; reason: string }[] = [];
    for (const name of await listNames(this.objects, dataKeys.intents)) {
      if (name.includes('/') || !name.endsWith('.json')) continue;
      try {
        const read = await readVersioned(this.objects, `${dataKeys.intents}${name}`, 64 * 1024);
        if (!read) continue;
        if (options.before !== undefined && read.lastModified && read.lastModified.getTime() >= options.before) continue;
        const bytes = read.bytes;
        const intent = JSON.parse(bytes.toString('utf8')) as Intent;
        if (typeof intent.id !== 'string' || `${intent.id}.json` !== name || !Number.isInteger(intent.revision)) throw new Error('not an intent');
        intents.push(intent);
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return { intents, problems };
  }
}
