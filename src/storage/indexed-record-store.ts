import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ByteLru, estimateJsonBytes } from '../cache/byte-lru.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { RecordLoadProblem } from './json-record-store.ts';
import { folderChangedSince, markChecked, readText, RECORD_SUFFIX, recordIds } from './record-files.ts';
import { RecordIndexLog, type LogMark } from './record-index-log.ts';

export interface IndexedStoreOptions<T, S> {
  dir: string;
  /** The index log, outside `dir` so it is never mistaken for a record. */
  indexFile: string;
  isRecord: (value: unknown) => value is T;
  isSummary: (value: unknown) => value is S;
  summarize: (record: T) => S;
  /** What tells one state of a record from the next (records and summaries both carry it). */
  revisionOf: (item: T | S) => number;
  /** Where full records are kept once read; shared with the serving caches when given. */
  cache?: ByteLru;
  cachePrefix?: string;
}

/** Without a shared budget, a store keeps a few megabytes of records of its own. */
const OWN_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * One JSON record per item (`<dir>/<id>.json`), and in memory only each id with its revision
 * (about 90 bytes an item): full records are read when asked for and kept in a bounded LRU;
 * listings read the summaries from the index log. A change writes one record file and appends
 * index lines, never anything proportional to the catalog, and a start reads the index (one file)
 * instead of every record. See record-index-log.ts for how the index stays true.
 */
export class IndexedRecordStore<T extends { id: string }, S extends { id: string }> {
  private readonly revisions = new Map<string, number>();
  /** Lower-cased id → id, for ids that are not all lower case (the others find themselves). */
  private readonly folded = new Map<string, string>();
  private readonly cache: ByteLru;
  private readonly prefix: string;
  private readonly log: RecordIndexLog<S>;
  private readonly changeListeners: ((id: string) => void)[] = [];
  /**
   * The lines the latest change appended, while nothing else was appended after them: undoing that
   * change (restore() to the record it replaced) cuts them off, so a change taken back leaves the
   * index byte for byte as it was, like every other file of the data folder.
   */
  private lastChange?: { id: string; start: LogMark; before: string | undefined; end: LogMark };

  protected constructor(private readonly options: IndexedStoreOptions<T, S>) {
    this.cache = options.cache ?? new ByteLru(OWN_CACHE_BYTES);
    this.prefix = options.cachePrefix ?? 'record:';
    this.log = new RecordIndexLog(options.indexFile, options.isSummary);
  }

  /**
   * Start-up, before anything is served: the index, with interrupted writes re-read, and checked
   * against the folder listing when the folder changed after it. Without a usable index every
   * record is read once and the index written.
   */
  protected async openIndex(): Promise<RecordLoadProblem[]> {
    const { dir } = this.options;
    const listed = folderChangedSince(dir, this.log.file);
    const pending = new Set<string>();
    const replayed = this.log.replay((entry) => {
      if ('w' in entry) return void pending.add(entry.w);
      const id = 's' in entry ? entry.s.id : entry.d;
      pending.delete(id);
      if ('s' in entry) this.remember(id, this.options.revisionOf(entry.s));
      else this.forget(id);
    });
    // A torn last line means the last run died mid-append: the folder may hold writes the index
    // never saw, and an append after them can make the index look newer than the folder. List it.
    const onDisk = listed || !replayed || replayed.torn ? recordIds(dir) : undefined;
    const reread = replayed ? pending : onDisk!;
    if (replayed && onDisk) {
      for (const id of this.revisions.keys()) if (!onDisk.has(id)) reread.add(id);
      for (const id of onDisk) if (!this.revisions.has(id)) reread.add(id);
    }
    const problems: RecordLoadProblem[] = [];
    const repaired = new Map<string, S | undefined>();
    for (const id of reread) {
      this.forget(id);
      repaired.set(id, undefined);
      try {
        const record = this.readSync(id);
        if (!record) continue;
        this.remember(id, this.options.revisionOf(record));
        repaired.set(id, this.options.summarize(record));
      } catch (err) {
        problems.push({ file: `${id}${RECORD_SUFFIX}`, reason: (err as Error).message });
      }
    }
    // Rewritten when anything was repaired or superseded lines outnumber live ones.
    if (!replayed || replayed.torn || repaired.size > 0 || this.log.lines > 2 * this.revisions.size + 1024) {
      await this.log.compact(async () => {
        const merged = replayed ? await this.log.readSummaries().catch(() => new Map<string, S>()) : new Map<string, S>();
        for (const [id, summary] of repaired) {
          if (summary) merged.set(id, summary);
          else merged.delete(id);
        }
        return [...merged.values()].filter((s) => this.revisions.has(s.id));
      });
    } else if (listed) {
      markChecked(dir, this.log.file);
    }
    return problems;
  }

  private file(id: string): string {
    if (!id || id.startsWith('.') || /[/\\\0]/.test(id)) throw new Error(`refusing unsafe record id ${JSON.stringify(id)}`);
    return path.join(this.options.dir, `${id}${RECORD_SUFFIX}`);
  }

  private remember(id: string, revision: number): void {
    this.revisions.set(id, revision);
    const lower = id.toLowerCase();
    if (lower !== id) this.folded.set(lower, id);
  }

  private forget(id: string): void {
    this.revisions.delete(id);
    this.cache.delete(this.prefix + id);
    const lower = id.toLowerCase();
    if (this.folded.get(lower) === id) this.folded.delete(lower);
  }

  private parse(id: string, text: string): T {
    const value: unknown = JSON.parse(text);
    if (!this.options.isRecord(value) || value.id !== id) throw new Error('not a valid record');
    return value;
  }

  private readSync(id: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return this.parse(id, text);
  }

  /** Keeps a record read from disk. The file is the truth: a revision the index got wrong is corrected. */
  private keep(record: T, textLength: number): void {
    this.cache.set(this.prefix + record.id, record, estimateJsonBytes(textLength));
    const revision = this.options.revisionOf(record);
    if (this.revisions.get(record.id) === revision) return;
    this.remember(record.id, revision);
    void this.log.wrote(this.options.summarize(record)).catch(() => undefined);
  }

  /** The record (read from disk on a cache miss). A record that cannot be read counts as absent. */
  get(id: string): T | undefined {
    if (!this.revisions.has(id)) return undefined;
    const cached = this.cache.get<T>(this.prefix + id);
    if (cached) return cached;
    try {
      const text = readFileSync(this.file(id), 'utf8');
      const record = this.parse(id, text);
      this.keep(record, text.length);
      return record;
    } catch {
      return undefined;
    }
  }

  /**
   * For request paths that derive something from the record (update-query plans and answers):
   * the record, not kept in the cache, since the caller keeps what it derived instead. The file is
   * read synchronously: a record is a few kB in the page cache, which costs less than the four
   * threadpool round trips of an asynchronous read (measured: about 15 µs against 30–90 µs of
   * main-thread time on 2 busy cores). The promise leaves room to change that.
   */
  load(id: string): Promise<T | undefined> {
    if (!this.revisions.has(id)) return Promise.resolve(undefined);
    const cached = this.cache.get<T>(this.prefix + id);
    if (cached) return Promise.resolve(cached);
    try {
      const record = this.readSync(id);
      // The file is the truth: a revision the index got wrong is corrected (and the record kept).
      if (record && this.options.revisionOf(record) !== this.revisions.get(id)) this.keep(record, 0);
      return Promise.resolve(record);
    } catch {
      return Promise.resolve(undefined);
    }
  }

  /** Lets caches derived from records drop what they hold for `id` as soon as it changes. */
  onChange(listener: (id: string) => void): void {
    this.changeListeners.push(listener);
  }

  /** The revision of a stored record: cheap, always in memory. */
  revision(id: string): number | undefined {
    return this.revisions.get(id);
  }

  /** Every stored id with its revision (start-up checks: no record is read). */
  revisionList(): { id: string; revision: number }[] {
    return [...this.revisions].map(([id, revision]) => ({ id, revision }));
  }

  /** Every summary, from the index log: what listings need, without reading records. */
  async summaries(): Promise<S[]> {
    const all = await this.log.readSummaries();
    return [...all.values()].filter((s) => this.revisions.has(s.id));
  }

  /** The id of a stored record whose id equals `id` ignoring case, if any. */
  idIgnoringCase(id: string): string | undefined {
    const lower = id.toLowerCase();
    return this.revisions.has(lower) ? lower : this.folded.get(lower);
  }

  /**
   * Every full record: reads the whole catalog from disk. Only for whole-catalog jobs (rebuilding
   * every document); listings use summaries(), checks revisionList().
   */
  list(): T[] {
    return [...this.revisions.keys()].map((id) => this.get(id)).filter((r): r is T => r !== undefined);
  }

  get size(): number {
    return this.revisions.size;
  }

  private text(record: T): string {
    return `${JSON.stringify(record, null, 2)}\n`;
  }

  async save(record: T): Promise<void> {
    const before = await readText(this.file(record.id)).catch(() => undefined);
    const marks = await this.write(record.id, record);
    await this.settle(this.log.wrote(this.options.summarize(record)), { id: record.id, start: marks.before, before });
  }

  /** Puts a record back as it was (used to undo a change whose later step failed). */
  async restore(id: string, previous: T | undefined): Promise<void> {
    const current = await readText(this.file(id)).catch(() => undefined);
    const target = previous ? this.text(previous) : undefined;
    // Already as it was (a second undo of the same change): nothing to write.
    if (current === target) {
      if (previous) this.keep(previous, target!.length);
      else this.forget(id);
      return;
    }
    const change = this.lastChange;
    const marks = await this.write(id, previous);
    if (change?.id === id && change.end.bytes === marks.before.bytes && change.before === target) {
      if (await this.log.truncateIf(change.start, marks.after).catch(() => false)) {
        this.lastChange = undefined;
        return;
      }
    }
    await this.settle(previous ? this.log.wrote(this.options.summarize(previous)) : this.log.removed(id));
  }

  /** The record file (or its removal) behind a durable `w` line. */
  private async write(id: string, record: T | undefined): Promise<{ before: LogMark; after: LogMark }> {
    const marks = await this.log.willWrite(id);
    if (record) {
      const text = this.text(record);
      await writeFileAtomic(this.file(id), text, { mode: 0o600 });
      this.cache.set(this.prefix + id, record, estimateJsonBytes(text.length));
      this.remember(id, this.options.revisionOf(record));
    } else {
      await rm(this.file(id), { force: true });
      this.forget(id);
    }
    for (const listener of this.changeListeners) listener(id);
    return marks;
  }

  /**
   * Once the record file is written the change has happened; a failed index line only leaves the
   * `w` mark that makes the next start re-read this record, so it must not fail the change.
   */
  private async settle(line: Promise<LogMark>, change?: { id: string; start: LogMark; before: string | undefined }): Promise<void> {
    const end = await line.catch(() => undefined);
    // Only a change whose two lines (its `w` and its summary) are adjacent can be cut off: when
    // another id's change appended lines in between (writes of different ids run side by side),
    // cutting back to `start` would take that change's lines with it.
    this.lastChange = change && end && end.lines === change.start.lines + 2 ? { ...change, end } : undefined;
    if (this.log.lines > 2 * this.revisions.size + 10_000) void this.compactInBackground();
  }

  private compactInBackground(): Promise<void> {
    return this.log.compact(() => this.summaries()).catch(() => undefined);
  }
}
