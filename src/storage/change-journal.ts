import { dataKeys } from './data-keys.ts';
import { listNames, readObject, readVersioned, writeObject } from './objects/object-bytes.ts';
import type { ObjectStore } from './objects/object-store.ts';

/** Kinds other than add-ons whose changes keep intents (private/intents/<kind>/<id>.json). */
export type IntentKind = 'jami' | 'chromium' | 'vpn';

/**
 * One small object per add-on while a change to it is under way (private/intents/<id>.json),
 * written before the first write of the change and removed after the last. Jami plugins, Chromium
 * extensions and VPN channels keep theirs under private/intents/<kind>/ (package-intents.ts). After a crash, start-up
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
  /** Absent for add-ons. */
  kind?: IntentKind;
  /**
   * Kinds whose records do not say who made their last change: the audit entry a finished change
   * gets (written once: recovery looks for `<target>#<revision>` first).
   */
  audit?: { actor: string; action: string; target: string; details: Record<string, unknown>; ip?: string };
}

export class ChangeJournal {
  constructor(private readonly objects: ObjectStore) {}

  async begin(intent: Intent): Promise<void> {
    await writeObject(this.objects, dataKeys.intent(intent.id, intent.kind), `${JSON.stringify(intent)}\n`);
  }

  async end(id: string, kind?: IntentKind): Promise<void> {
    await this.objects.remove(dataKeys.intent(id, kind));
  }

  /** The intent for `id`, if one is under way (and readable). */
  async read(id: string, kind?: IntentKind): Promise<Intent | undefined> {
    const bytes = await readObject(this.objects, dataKeys.intent(id, kind), 64 * 1024);
    if (!bytes) return undefined;
    try {
      const intent = JSON.parse(bytes.toString('utf8')) as Intent;
      return intent.id === id && intent.kind === kind && Number.isInteger(intent.revision) ? intent : undefined;
    } catch {
      return undefined; // reported by pending()
    }
  }

  /**
   * Unreadable intents are reported with a reason instead of stopping the start. `before`: only
   * intents written before this time (by the store's clock; one without a time counts as old), so
   * a running instance leaves alone the changes others are making right now. `kind`: that kind's
   * intents; without it, the add-ons'.
   */
  async pending(options: { before?: number; kind?: IntentKind } = {}): Promise<{ intents: Intent[]; problems: { file: string; reason: string }[] }> {
    const intents: Intent[] = [];
    const problems: { file: string; reason: string }[] = [];
    const folder = options.kind ? `${dataKeys.intents}${options.kind}/` : dataKeys.intents;
    for (const name of await listNames(this.objects, folder)) {
      if (name.includes('/') || !name.endsWith('.json')) continue;
      try {
        const read = await readVersioned(this.objects, `${folder}${name}`, 64 * 1024);
        if (!read) continue;
        if (options.before !== undefined && read.lastModified && read.lastModified.getTime() >= options.before) continue;
        const bytes = read.bytes;
        const intent = JSON.parse(bytes.toString('utf8')) as Intent;
        if (typeof intent.id !== 'string' || `${intent.id}.json` !== name || intent.kind !== options.kind || !Number.isInteger(intent.revision)) throw new Error('not an intent');
        intents.push(intent);
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return { intents, problems };
  }
}
