import { appendFile, open, readFile } from 'node:fs/promises';
import { revisionMarks, type AuditEntry, type AuditLog } from '../audit-log.ts';

/**
 * Append-only JSON lines in private/audit.log. Each entry is one write() with O_APPEND, so lines
 * from concurrent requests (and CLI commands) never interleave.
 */
export class FolderAuditLog implements AuditLog {
  private opened?: Promise<void>;

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    // Create with 0600 the first time; appendFile alone would use the process umask.
    this.opened ??= open(this.file, 'a', 0o600).then((h) => h.close());
    await this.opened;
    const line = `${JSON.stringify({ at: this.now().toISOString(), ...entry })}\n`;
    await appendFile(this.file, line, { mode: 0o600 });
  }

  /** Parsed entries, oldest first; a torn last line after a crash is skipped. */
  private *entries(lines: string[], newestFirst: boolean): Iterable<AuditEntry> {
    for (let n = 0; n < lines.length; n++) {
      const line = lines[newestFirst ? lines.length - 1 - n : n];
      if (!line) continue;
      try {
        yield JSON.parse(line) as AuditEntry;
      } catch {
        // a torn line after a crash
      }
    }
  }

  private async lines(): Promise<string[]> {
    try {
      return (await readFile(this.file, 'utf8')).split('\n');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async revisionsFor(targets: ReadonlySet<string>): Promise<Set<string>> {
    const entries: AuditEntry[] = [];
    for (const entry of this.entries(await this.lines(), false)) entries.push(entry);
    return revisionMarks(entries, targets);
  }

  async recent(limit = 200): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for (const entry of this.entries(await this.lines(), true)) {
      if (entries.length >= limit) break;
      entries.push(entry);
    }
    return entries;
  }
}
