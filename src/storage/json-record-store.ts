import { readVersioned } from './objects/object-bytes.ts';
import { isPreconditionFailed, sameEtag, type ObjectStore } from './objects/object-store.ts';
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
  /**
   * Bumped by every change this process makes to an id (save, restore, forget): a read begun
   * before a bump (a background refresh racing a publish) must not put older state back.
   */
  private readonly generations = new Map<string, number>();

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

  private generation(id: string): number {
    return this.generations.get(id) ?? 0;
  }

  private bump(id: string): void {
    this.generations.set(id, this.generation(id) + 1);
  }

  /**
   * The stored object of `id`, remembered (or forgotten when gone); throws when it is no valid
   * record. What a read finds is kept only if this process changed nothing of `id` meanwhile.
   */
  private async read(id: string): Promise<T | undefined> {
    const started = this.generation(id);
    const read = await readVersioned(this.objects, this.key(id), MAX_RECORD_BYTES);
    if (this.generation(id) !== started) return this.records.get(id);
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
   * `strict` (a change about to be made under the thing's lock): a failed read is an error, never
   * a silent fall back to what memory holds, which may be stale.
   */
  async refresh(id: string, options: { strict?: boolean } = {}): Promise<T | undefined> {
    const before = this.etags.get(id);
    const record = await this.read(id).catch((err: unknown) => {
      if (options.strict) throw err;
      return this.records.get(id);
    });
    if (this.etags.get(id) !== before) this.announce(id);
    return record;
  }

  /**
   * As `refresh`, for a change about to be made under the id's lock: when no record of `id`
   * exists, records whose id differs only in case are read too, so that `idIgnoringCase` also
   * knows one another instance created moments ago (before this one heard of it on the feed).
   * Locks fold case (shared-lock.ts), so such a creation has finished by now. Only the keys that
   * start with a case variant of the id's first character are listed, and only for a new id.
   */
  async refreshWithTwins(id: string, options: { strict?: boolean } = {}): Promise<T | undefined> {
    const record = await this.refresh(id, options);
    if (record) return record;
    const folded = id.toLowerCase();
    for (const first of new Set([id[0]!.toLowerCase(), id[0]!.toUpperCase()])) {
      for await (const { key } of this.objects.list(`${this.prefix}${first}`)) {
        const name = key.slice(this.prefix.length, -'.json'.length);
        if (key.endsWith('.json') && !name.includes('/') && name !== id && name.toLowerCase() === folded) await this.refresh(name, options);
      }
    }
    return undefined;
  }

  /**
   * Every record as the store holds it now (ones another process added or removed included): one
   * listing, and a read only of those whose ETag differs from the one last seen.
   */
  async refreshAll(options: { strict?: boolean } = {}): Promise<void> {
    const started = new Map(this.generations);
    const stored = new Map<string, string | undefined>();
    for await (const { key, etag } of this.objects.list(this.prefix)) {
      const name = key.slice(this.prefix.length);
      if (!name.includes('/') && name.endsWith('.json')) stored.set(name.slice(0, -'.json'.length), etag);
    }
    for (const id of [...this.etags.keys()]) {
      // Saved here after the listing began: the listing cannot know it yet.
      if (!stored.has(id) && this.generation(id) === (started.get(id) ?? 0)) {
        this.forget(id);
        this.announce(id);
      }
    }
    for (const [id, etag] of stored) if (!sameEtag(etag, this.etags.get(id))) await this.refresh(id, options);
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
    this.bump(id);
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
    this.bump(record.id);
    let etag: string;
    try {
      ({ etag } = await this.objects.put(this.key(record.id), bytes, bytes.length, known === undefined ? { ifAbsent: true } : { ifMatch: known }));
    } catch (err) {
      etag = await this.ownWrite(record.id, bytes, err);
    }
    this.etags.set(record.id, etag);
    this.remember(record);
    await this.saved(record.id);
  }

  /**
   * A conditional write refused (412) may be our own write whose answer was lost and which the
   * client retried: when the store holds exactly our bytes, it is ours. Otherwise the refusal stands.
   */
  private async ownWrite(id: string, bytes: Buffer, err: unknown): Promise<string> {
    if (!isPreconditionFailed(err)) throw err;
    const stored = await readVersioned(this.objects, this.key(id), MAX_RECORD_BYTES).catch(() => undefined);
    if (stored && stored.bytes.equals(bytes)) return stored.etag;
    throw err;
  }

  /**
   * Puts a record back as it was (used to undo a change whose later step failed). Taking back a
   * new record removes it only if the store still holds what this process wrote: after a refused
   * save, the object there is another process's, and stays.
   */
  async restore(id: string, previous: T | undefined): Promise<void> {
    if (previous) return this.save(previous);
    const known = this.etags.get(id);
    const stored = known === undefined ? undefined : await readVersioned(this.objects, this.key(id), MAX_RECORD_BYTES);
    if (!stored || !sameEtag(stored.etag, known)) {
      // Not ours (or gone): memory follows the store.
      await this.refresh(id);
      return;
    }
    await this.objects.remove(this.key(id));
    this.forget(id);
    await this.saved(id);
  }
}
