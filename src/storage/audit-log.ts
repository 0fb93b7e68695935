import { appendFile, open, readFile } from 'node:fs/promises';

/** Who did what, when, from where: every publish, withdrawal, range edit, key/token change, sign-in. */
export interface AuditEntry {
  at: string;
  /** `admin:<name>`, `token:<id>` or `cli`. */
  actor: string;
  action: string;
  target?: string;
  ip?: string;
  details?: Record<string, unknown>;
  /** The add-on record revision a change produced, so recovery can tell whether it was logged. */
  revision?: number;
}

/**
 * Append-only JSON lines in private/audit.log. Each entry is one write() with O_APPEND, so lines
 * from concurrent requests never interleave.
 */
export class AuditLog {
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

  /**
   * Which of `targets` already have an entry for a given record revision (`<target>#<revision>`).
   * Recovery only: it reads the whole log, once, after a crash.
   */
  async revisionsFor(targets: ReadonlySet<string>): Promise<Set<string>> {
    const found = new Set<string>();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as AuditEntry;
        if (entry.target !== undefined && targets.has(entry.target) && typeof entry.revision === 'number') found.add(`${entry.target}#${entry.revision}`);
      } catch {
        // a torn line after a crash
      }
    }
    return found;
  }

  /** The newest entries first; lines that cannot be parsed are skipped, never fatal. */
  async recent(limit = 200): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: AuditEntry[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
      if (!lines[i]) continue;
      try {
        entries.push(JSON.parse(lines[i]!) as AuditEntry);
      } catch {
        // a torn last line after a crash: skip it
      }
    }
    return entries;
  }
}
