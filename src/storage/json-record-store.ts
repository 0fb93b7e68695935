import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isAtomicTempName, writeFileAtomic } from './atomic-write.ts';

export interface RecordLoadProblem {
  file: string;
  reason: string;
}

/**
 * One JSON record per item (`<dir>/<id>.json`), all kept in memory after start-up: a change
 * touches one small file, never the whole catalog, and listings never read the disk. A record
 * that cannot be read is reported and left out, so one damaged file cannot take a listing down.
 */
export class JsonRecordStore<T extends { id: string }> {
  private readonly records = new Map<string, T>();
  /** Lower-cased id → id: two ids that differ only in case are one folder on many systems. */
  private readonly folded = new Map<string, string>();

  protected constructor(private readonly dir: string) {}

  /** Start-up only, before anything is served: synchronous reads of 10 000 small files are fast. */
  protected load(isRecord: (value: unknown) => value is T): RecordLoadProblem[] {
    const problems: RecordLoadProblem[] = [];
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.json') && !isAtomicTempName(n))) {
      try {
        const value: unknown = JSON.parse(readFileSync(path.join(this.dir, name), 'utf8'));
        if (!isRecord(value) || `${value.id}.json` !== name) throw new Error('not a valid record');
        this.remember(value);
      } catch (err) {
        problems.push({ file: name, reason: (err as Error).message });
      }
    }
    return problems;
  }

  private file(id: string): string {
    if (!id || id.startsWith('.') || /[/\\\0]/.test(id)) throw new Error(`refusing unsafe record id ${JSON.stringify(id)}`);
    return path.join(this.dir, `${id}.json`);
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
    await writeFileAtomic(this.file(record.id), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    this.remember(record);
  }

  /** Puts a record back as it was (used to undo a publish whose later step failed). */
  async restore(id: string, previous: T | undefined): Promise<void> {
    if (previous) return this.save(previous);
    await rm(this.file(id), { force: true });
    this.records.delete(id);
    if (this.folded.get(id.toLowerCase()) === id) this.folded.delete(id.toLowerCase());
  }
}
