import { readVersioned } from './objects/object-bytes.ts';
import { sameEtag, type ObjectStore } from './objects/object-store.ts';
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
  private readonly changeListeners: ((id: string) => void)[] = [];
  private readonly saveListeners: ((id: string) => Promise<void>)[] = [];
  private isRecord: (value: unknown) => value is T = (_value: unknown): _value is T => false;

  protected constructor(
    private readonly objects: ObjectStore,
    /** The key prefix of the records, ending with "/". */
    private readonly prefix: string,
  ) {}

  /** Start-up only, before anything is served. */
  protected async loadAll(isRecord: (value: unknown) => value is T): Promise<RecordLoadProblem[]> {
    this.isRecord = isRecord;
    const problems: RecordLoadProblem[] = [];
    for await (const { key } of this.objects.list(this.prefix)) {
      const name = key.slice(this.prefix.length);
      if (name.includes('/') || !name.endsWith('.json')) continue;
      try {
        await this.read(name.slice(0, -'.json'.length));
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return problems;
  }

  /** The stored object of `id`, remembered (or forgotten when gone); throws when it is no valid record. */
  private async read(id: string): Promise<T | undefined> {
    const read = await readVersioned(this.objects, this.key(id), MAX_RECORD_BYTES);
    if (!read) {
      this.forget(id);
      return undefined;
    }
    this.etags.set(id, read.etag);
    const value: unknown = JSON.parse(read.bytes.toString('utf8'));
    if (!this.isRecord(value) || value.id !== id) throw new Error('not a valid record');
    this.remember(value);
    return value;
  }

  /**
   * The record as the store holds it now, after another process may have changed it (several
   * instances on one bucket): read again, remembered, and announced to change listeners.
   */
  async refresh(id: string): Promise<T | undefined> {
    const before = this.etags.get(id);
    const record = await this.read(id).catch(() => this.records.get(id));
    if (this.etags.get(id) !== before) this.announce(id);
    return record;
  }

  /**
   * Every record as the store holds it now (ones another process added or removed included): one
   * listing, and a read only of those whose ETag differs from the one last seen.
   */
  async refreshAll(): Promise<void> {
    const stored = new Map<string, string | undefined>();
    for await (const { key, etag } of this.objects.list(this.prefix)) {
      const name = key.slice(this.prefix.length);
      if (!name.includes('/') && name.endsWith('.json')) stored.set(name.slice(0, -'.json'.length), etag);
    }
    for (const id of [...this.etags.keys()]) {
      if (!stored.has(id)) {
        this.forget(id);
        this.announce(id);
      }
    }
    for (const [id, etag] of stored) if (!sameEtag(etag, this.etags.get(id))) await this.refresh(id);
  }

  /** Called after every change this process makes (save, restore), to tell other instances. */
  onSaved(listener: (id: string) => Promise<void>): void {
    this.saveListeners.push(listener);
  }

  private async saved(id: string): Promise<void> {
    this.announce(id);
    for (const listener of this.saveListeners) await listener(id);
  }

  /** Lets caches derived from records drop what they hold for `id` as soon as it changes. */
  onChange(listener: (id: string) => void): void {
    this.changeListeners.push(listener);
  }

  private announce(id: string): void {
    for (const listener of this.changeListeners) listener(id);
  }

  private forget(id: string): void {
    this.etags.delete(id);
    this.records.delete(id);
    if (this.folded.get(id.toLowerCase()) === id) this.folded.delete(id.toLowerCase());
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
    await this.saved(record.id);
  }

  /** Puts a record back as it was (used to undo a publish whose later step failed). */
  async restore(id: string, previous: T | undefined): Promise<void> {
    if (previous) return this.save(previous);
    await this.objects.remove(this.key(id));
    this.forget(id);
    await this.saved(id);
  }
}
