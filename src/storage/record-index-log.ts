import { readFile } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.ts';
import { readLinesSync } from './line-file.ts';

/**
 * The catalog index on disk: one JSON line per change, so a change appends a line instead of
 * rewriting the whole index, and a start reads one file instead of one file per record.
 *
 *   {"outpost-index":1}            header (format version)
 *   {"w":"<id>"}                   a write of <id>'s record is about to happen (fsynced first)
 *   {"s":{…summary…}}              <id>'s record now has this summary
 *   {"d":"<id>"}                   <id>'s record was removed
 *
 * The record files stay the truth. A `w` without a later `s`/`d` for the same id means a change
 * was interrupted (crash, failed write): replay reports the id and the store re-reads that one
 * record. Compaction rewrites the file with one `s` line per live record.
 */
export const INDEX_FORMAT = 1;
const HEADER = `${JSON.stringify({ 'outpost-index': INDEX_FORMAT })}\n`;

export type IndexEntry<S> = { w: string } | { s: S } | { d: string };

/** A position in the log: its length in bytes and lines. */
export interface LogMark {
  bytes: number;
  lines: number;
}

export interface ReplayResult {
  lines: number;
  /** The file ends with a partial line (a crash during an append): rewrite before appending. */
  torn: boolean;
}

export class RecordIndexLog<S extends { id: string }> {
  private chain: Promise<unknown> = Promise.resolve();
  private lineCount = 0;
  private byteCount = 0;

  constructor(
    readonly file: string,
    private readonly isSummary: (value: unknown) => value is S,
  ) {}

  get lines(): number {
    return this.lineCount;
  }

  private mark(): LogMark {
    return { bytes: this.byteCount, lines: this.lineCount };
  }

  private entry(line: string): IndexEntry<S> | undefined {
    let value: { w?: unknown; s?: unknown; d?: unknown };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      return undefined;
    }
    if (typeof value.w === 'string') return { w: value.w };
    if (typeof value.d === 'string') return { d: value.d };
    if (this.isSummary(value.s)) return { s: value.s };
    return undefined;
  }

  /**
   * Start-up only (synchronous, before anything is served): every entry in order, read in 1 MB
   * chunks so a large catalog never sits in memory as one string. Undefined when the file is
   * missing, of another format, or damaged anywhere but its last line.
   */
  replay(visit: (entry: IndexEntry<S>) => void): ReplayResult | undefined {
    let lines = -1;
    let garbage = false;
    const read = readLinesSync(this.file, (line) => {
      if (lines < 0) {
        lines = 0;
        return `${line}\n` === HEADER;
      }
      // A line that is not an entry can only be a torn write, so nothing may follow it.
      if (garbage) return false;
      const entry = this.entry(line);
      if (!entry) {
        garbage = true;
        return true;
      }
      visit(entry);
      lines++;
      return true;
    });
    if (!read || lines < 0) return undefined;
    this.lineCount = lines;
    this.byteCount = read.bytes;
    return { lines, torn: garbage || read.torn };
  }

  /** The latest summary of every id, read from disk (listings: rare, and proportional to the catalog anyway). */
  readSummaries(): Promise<Map<string, S>> {
    return new Promise((resolve, reject) => {
      readFile(this.file, 'utf8', (err, text) => {
        if (err) return reject(err);
        const summaries = new Map<string, S>();
        for (let start = text.indexOf('\n') + 1, end = text.indexOf('\n', start); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
          const entry = this.entry(text.slice(start, end));
          if (entry && 's' in entry) summaries.set(entry.s.id, entry.s);
          else if (entry && 'd' in entry) summaries.delete(entry.d);
        }
        resolve(summaries);
      });
    });
  }

  /**
   * Announces a write: durable before the record changes, so a crash leaves the id marked.
   * Resolves with the log's positions before and after the line.
   */
  willWrite(id: string): Promise<{ before: LogMark; after: LogMark }> {
    return this.append({ w: id }, true);
  }

  /** Records the outcome; not fsynced, since a lost line leaves the `w` that makes start-up re-read. */
  async wrote(summary: S): Promise<LogMark> {
    return (await this.append({ s: summary }, false)).after;
  }

  async removed(id: string): Promise<LogMark> {
    return (await this.append({ d: id }, false)).after;
  }

  /**
   * Cuts the log back to `to`, but only if it still ends at `end` (nothing else was appended in
   * between): an undone change then leaves no trace. Resolves with whether it cut.
   */
  truncateIf(to: LogMark, end: LogMark): Promise<boolean> {
    let cut = false;
    return this.serial(async () => {
      if (this.byteCount !== end.bytes) return;
      const handle = await open(this.file, 'r+');
      try {
        await handle.truncate(to.bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      this.byteCount = to.bytes;
      this.lineCount = to.lines;
      cut = true;
    }).then(() => cut);
  }

  /**
   * One line per summary, atomically replacing the log; appends wait for it. `summaries` is
   * called once the log is quiet, so nothing appended before is lost.
   */
  compact(summaries: () => Promise<Iterable<S>>): Promise<void> {
    return this.serial(async () => {
      const parts: string[] = [HEADER];
      let count = 0;
      for (const s of await summaries()) {
        parts.push(`${JSON.stringify({ s })}\n`);
        count++;
        // Long catalogs: let requests through every few thousand lines.
        if (count % 5000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const text = parts.join('');
      await writeFileAtomic(this.file, text, { mode: 0o600 });
      this.lineCount = count;
      this.byteCount = Buffer.byteLength(text);
    });
  }

  private append(entry: object, sync: boolean): Promise<{ before: LogMark; after: LogMark }> {
    let marks: { before: LogMark; after: LogMark } | undefined;
    return this.serial(async () => {
      const line = Buffer.from(`${JSON.stringify(entry)}\n`);
      const before = this.mark();
      const handle = await open(this.file, 'a', 0o600);
      try {
        await handle.write(line);
        if (sync) await handle.datasync();
      } finally {
        await handle.close();
      }
      this.lineCount++;
      this.byteCount += line.length;
      marks = { before, after: this.mark() };
    }).then(() => marks!);
  }

  /** Lines never interleave and a compaction never races an append. */
  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step, step);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
