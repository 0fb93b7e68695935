import { readVersioned } from './objects/object-bytes.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { segment } from './data-keys.ts';

export interface RecordLoadProblem {
  file: string;
  reason: string;
}

/** A record is a few KB; one near this is damage, not data. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * One JSON record per item (`<prefix><id>.json` in the object store), all kept in memory after
 * start-up: a change writes one small object, never the whole set, and listings never read the
 * store. Every write is conditional on the version last read or written (its ETag), so a change
 * made by another process is refused (STORAGE_PRECONDITION_FAILED), never overwritten unseen. A
 * record that cannot be read is reported and left out, so one damaged object cannot take a listing
 * down; a later save replaces it.
 */
export class JsonRecordStore<T extends { id: string }> {
  private readonly records = new Map<string, T>();
  /** The ETag of every stored object, loaded or not (a damaged one may be replaced). */
  private readonly etags = new Map<string, string>();
  /** Lower-cased id → id: two ids that differ only in case are one folder on many systems. */
  private readonly folded = new Map<string, string>();

  protected constructor(
    private readonly objects: ObjectStore,
    /** The key prefix of the records, ending with "/". */
    private readonly prefix: string,
  ) {}

  /** Start-up only, before anything is served. */
  protected async load(isRecord: (value: unknown) => value is T): Promise<RecordLoadProblem[]> {
    const problems: RecordLoadProblem[] = [];
    for await (const { key } of this.objects.list(this.prefix)) {
      const name = key.slice(this.prefix.length);
      if (name.includes('/') || !name.endsWith('.json')) continue;
      try {
        const read = await readVersioned(this.objects, key, MAX_RECORD_BYTES);
        if (!read) continue; // removed since it was listed
        this.etags.set(name.slice(0, -'.json'.length), read.etag);
        const value: unknown = JSON.parse(read.bytes.toString('utf8'));
        if (!isRecord(value) || `${value.id}.json` !== name) throw new Error('not a valid record');
        this.remember(value);
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return problems;
  }

  private key(id: string): string {
    return `${this.prefix}${segment(id)}.json`;
  }

  private remember(record: T): void {
    this.records.set(record.id, record);
    this.folded.set(record.id.toLowerCase(), record.id);
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  /** The id of a stored record whose id equals `id` ignoring case, if any. */
  idIgnoringCase(id: string): string | undefined {
    return this.folded.get(id.toLowerCase());
  }

  list(): T[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  async save(record: T): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
    const known = this.etags.get(record.id);
    const { etag } = await this.objects.put(this.key(record.id), bytes, bytes.length, known === undefined ? { ifAbsent: true } : { ifMatch: known });
    this.etags.set(record.id, etag);
    this.remember(record);
  }

  /** Puts a record back as it was (used to undo a publish whose later step failed). */
  async restore(id: string, previous: T | undefined): Promise<void> {
    if (previous) return this.save(previous);
    await this.objects.remove(this.key(id));
    this.etags.delete(id);
    this.records.delete(id);
    if (this.folded.get(id.toLowerCase()) === id) this.folded.delete(id.toLowerCase());
  }
}
