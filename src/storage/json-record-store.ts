import { readVersioned } from './objects/object-bytes.ts';
import { isPreconditionFailed, sameEtag, type ObjectStore } from './objects/object-store.ts';
import { segment } from './data-keys.ts';
import { MemoryCopies, type RecordCopies } from './record-copies.ts';

export interface RecordLoadProblem {
  file: string;
  reason: string;
}

/** A record is a few KB; one near this is damage, not data. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Start-up reads this many records at once: a first start on a big bucket is round trips. */
const LOAD_READS = 16;

/**
 * One JSON record per item (`<prefix><id>.json` in the object store), every one read at start-up
 * and kept as a copy (record-copies.ts: in memory, or on local disk for the add-on catalog): a
 * change writes one small object, never the whole set, and listings never read the store. Every write is conditional on the version last read or written (its ETag), so a change
 * made by another process is refused (STORAGE_PRECONDITION_FAILED), never overwritten unseen. A
 * record that cannot be read is reported and left out, so one damaged object cannot take a listing
 * down; a later save replaces it.
 */
export class JsonRecordStore<T extends { id: string }> {
  /** The ETag of every stored object, loaded or not (a damaged one may be replaced). */
  private readonly etags = new Map<string, string>();
  /**
   * Lower-cased id → id, for ids that are not all lower case (the others find themselves): two
   * ids that differ only in case are one folder on many systems.
   */
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
    private readonly copies: RecordCopies<T> = new MemoryCopies<T>(),
  ) {}

  /**
   * Start-up only, before anything is served: one listing, and a read of every record the copies
   * do not hold at the ETag listed (all of them when the copies start empty).
   */
  protected async loadAll(isRecord: (value: unknown) => value is T): Promise<RecordLoadProblem[]> {
    this.isRecord = isRecord;
    for (const [id, etag] of await this.copies.kept()) {
      this.etags.set(id, etag);
      this.noteCase(id);
    }
    const stored = await this.listStored();
    for (const id of [...this.etags.keys()]) if (!stored.has(id)) await this.forget(id);
    const unread = [...stored].filter(([id, etag]) => !(sameEtag(etag, this.etags.get(id)) && this.copies.has(id))).map(([id]) => id);
    const problems: RecordLoadProblem[] = [];
    const reader = async () => {
      for (let id = unread.pop(); id !== undefined; id = unread.pop()) {
        await this.read(id).catch((err: unknown) => problems.push({ file: `${id}.json`, reason: (err as Error).message }));
      }
    };
    await Promise.all(Array.from({ length: LOAD_READS }, reader));
    return problems.sort((a, b) => (a.file < b.file ? -1 : 1));
  }

  /** id → ETag of every record object in the store now. */
  private async listStored(): Promise<Map<string, string | undefined>> {
    const stored = new Map<string, string | undefined>();
    for await (const { key, etag } of this.objects.list(this.prefix)) {
      const name = key.slice(this.prefix.length);
      if (!name.includes('/') && name.endsWith('.json')) stored.set(name.slice(0, -'.json'.length), etag);
    }
    return stored;
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
    if (this.generation(id) !== started) return this.copies.get(id);
    if (!read) {
      await this.forget(id);
      return undefined;
    }
    this.etags.set(id, read.etag);
    const value = this.parse(id, read.bytes);
    if (!value) {
      // Damaged in the store: left out like any unreadable record (its ETag stays, so a save can
      // replace it), never served from an older copy.
      await this.copies.drop(id);
      throw new Error('not a valid record');
    }
    await this.remember(value, read.etag);
    return value;
  }

  private parse(id: string, bytes: Buffer): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
    return this.isRecord(value) && value.id === id ? value : undefined;
  }

  /** The ETag of the object this process last read or wrote for `id` (what its copy must hold). */
  protected heldEtag(id: string): string | undefined {
    return this.etags.get(id);
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
      return this.copies.get(id);
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
    const stored = await this.listStored();
    for (const id of [...this.etags.keys()]) {
      // Saved here after the listing began: the listing cannot know it yet.
      if (!stored.has(id) && this.generation(id) === (started.get(id) ?? 0)) {
        await this.forget(id);
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

  private async forget(id: string): Promise<void> {
    this.bump(id);
    this.etags.delete(id);
    if (this.folded.get(id.toLowerCase()) === id) this.folded.delete(id.toLowerCase());
    await this.copies.drop(id);
  }

  private key(id: string): string {
    return `${this.prefix}${segment(id)}.json`;
  }

  private noteCase(id: string): void {
    const lower = id.toLowerCase();
    if (lower !== id) this.folded.set(lower, id);
  }

  private async remember(record: T, etag: string): Promise<void> {
    this.noteCase(record.id);
    await this.copies.keep(record, etag);
  }

  get(id: string): T | undefined {
    return this.copies.get(id);
  }

  /** The id of a stored record whose id equals `id` ignoring case, if any. */
  idIgnoringCase(id: string): string | undefined {
    const lower = id.toLowerCase();
    return this.copies.has(lower) ? lower : this.folded.get(lower);
  }

  list(): T[] {
    return this.copies.list();
  }

  get size(): number {
    return this.copies.size;
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
    // Again once written: a read begun while the write was under way may have the older bytes.
    this.bump(record.id);
    this.etags.set(record.id, etag);
    // The change is made once the store has it: a copy that could not be written (local disk
    // full) must not fail it, and is never served either (catalog-mirror.ts compares ETags).
    await this.remember(record, etag).catch(() => undefined);
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
    await this.forget(id);
    await this.saved(id);
  }
}
