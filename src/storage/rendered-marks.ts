import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { readLinesSync } from './line-file.ts';

/**
 * Which catalog revision each add-on's served documents were rendered from: one line per change,
 * `<id>\t<revision>\n`, appended once a change is complete, so start-up reads one file instead of
 * one file per add-on. The last line for an id wins. A torn last line (a crash mid-append) is
 * ignored: that add-on's documents are then rendered again, which is always safe.
 *
 * Data folders from before this file had one mark file per add-on in private/rendered/: they are
 * read once, written here, and removed.
 */
export interface MarkLoad {
  marks: Map<string, number>;
  lines: number;
  migrated: boolean;
  torn: boolean;
}

/** Where marks are kept: this log in a data folder, one object per add-on in a bucket. */
export interface RenderedMarkStore {
  load(): MarkLoad | Promise<MarkLoad>;
  mark(id: string, revision: number): Promise<void>;
  compact(marks: Iterable<[string, number]>): Promise<void>;
}

export class RenderedMarks implements RenderedMarkStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly legacyDir: string,
  ) {}

  /**
   * Start-up only (synchronous, before anything is served): the marks, how many lines hold them,
   * and whether the file ends mid-line (torn: rewrite it before appending, or the next line joins
   * the torn one).
   */
  load(): MarkLoad {
    const marks = new Map<string, number>();
    let lines = 0;
    const read = readLinesSync(this.file, (line) => {
      lines++;
      const tab = line.indexOf('\t');
      const revision = Number(line.slice(tab + 1));
      if (tab > 0 && Number.isSafeInteger(revision) && revision > 0) marks.set(line.slice(0, tab), revision);
    });
    if (!read) return { marks: this.readLegacy(), lines: 0, migrated: true, torn: false };
    return { marks, lines, migrated: false, torn: read.torn };
  }

  private readLegacy(): Map<string, number> {
    const marks = new Map<string, number>();
    let names: string[];
    try {
      names = readdirSync(this.legacyDir);
    } catch {
      return marks;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const revision = Number.parseInt(readFileSync(path.join(this.legacyDir, name), 'utf8'), 10);
      if (Number.isSafeInteger(revision) && revision > 0) marks.set(name, revision);
    }
    return marks;
  }

  /** Appends (and fsyncs) one mark; appends are serialised so lines never interleave. */
  mark(id: string, revision: number): Promise<void> {
    if (/[\t\n\r]/.test(id)) return Promise.reject(new Error(`refusing a mark for id ${JSON.stringify(id)}`));
    const next = this.chain.then(async () => {
      const handle = await open(this.file, 'a', 0o600);
      try {
        await handle.write(`${id}\t${revision}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Rewrites the file with one line per mark (atomically); the legacy folder goes afterwards. */
  async compact(marks: Iterable<[string, number]>): Promise<void> {
    const lines: string[] = [];
    for (const [id, revision] of marks) lines.push(`${id}\t${revision}\n`);
    const next = this.chain.then(() => writeFileAtomic(this.file, lines.join(''), { mode: 0o600 }));
    this.chain = next.catch(() => undefined);
    await next;
    rmSync(this.legacyDir, { recursive: true, force: true });
  }
}
