import { randomBytes } from 'node:crypto';
import { readJson, writeJson } from '../objects/json-objects.ts';
import type { ObjectStore } from '../objects/object-store.ts';
import { revisionMarks, type AuditEntry, type AuditLog } from '../audit-log.ts';

export const AUDIT_PREFIX = 'private/audit/';
/** recent() walks back month by month; this many empty months in a row end the walk. */
const EMPTY_MONTHS_TO_STOP = 12;
/** Entries never change, so what was read once is kept (bounded) for the next activity page. */
const CACHED_ENTRIES = 20_000;
const PARALLEL_READS = 16;

/** "2026-11" for a month folder; "20261130T200904123Z" sorts as the time it names. */
function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
function stampOf(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/**
 * The audit log as one object per entry, for object stores, where nothing can be appended to:
 * private/audit/<yyyy-mm>/<time>-<sequence>-<random>.json. Keys sort by time (the sequence keeps
 * this instance's entries of one millisecond in order, the random part keeps instances apart), and
 * month folders let recent() read the newest months without listing the whole history.
 */
export class ObjectAuditLog implements AuditLog {
  private sequence = 0;
  private readonly cache = new Map<string, AuditEntry>();

  constructor(
    private readonly objects: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const at = this.now();
    this.sequence = (this.sequence + 1) % 1_000_000;
    const key = `${AUDIT_PREFIX}${monthOf(at)}/${stampOf(at)}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.json`;
    await writeJson(this.objects, key, { at: at.toISOString(), ...entry }, { ifAbsent: true });
  }

  private async keysIn(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.objects.list(prefix)) if (object.key.endsWith('.json')) keys.push(object.key);
    return keys;
  }

  private async read(keys: string[]): Promise<AuditEntry[]> {
    const entries: (AuditEntry | undefined)[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < keys.length; i = next++) {
        const key = keys[i]!;
        let entry = this.cache.get(key);
        if (!entry) {
          // A half-written or foreign object is skipped, as the folder log skips a torn line.
          entry = await readJson<AuditEntry>(this.objects, key).then((o) => o?.value, () => undefined);
          if (entry) this.remember(key, entry);
        }
        entries[i] = entry;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
    return entries.filter((e): e is AuditEntry => e !== undefined);
  }

  private remember(key: string, entry: AuditEntry): void {
    if (this.cache.size >= CACHED_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  async recent(limit = 200): Promise<AuditEntry[]> {
    const keys: string[] = [];
    const month = this.now();
    month.setUTCDate(1);
    for (let empty = 0; keys.length < limit && empty < EMPTY_MONTHS_TO_STOP; month.setUTCMonth(month.getUTCMonth() - 1)) {
      const found = await this.keysIn(`${AUDIT_PREFIX}${monthOf(month)}/`);
      empty = found.length ? 0 : empty + 1;
      keys.push(...found.reverse());
    }
    return this.read(keys.slice(0, limit));
  }

  async revisionsFor(targets: ReadonlySet<string>): Promise<Set<string>> {
    return revisionMarks(await this.read(await this.keysIn(AUDIT_PREFIX)), targets);
  }
}
