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
 * The audit port: append-only, never edited. Two adapters: a JSON-lines file on a folder
 * deployment (audit/folder-audit-log.ts, private/audit.log as ever) and one object per entry in an
 * object store (audit/object-audit-log.ts). Callers never put a secret in an entry (a token's id,
 * never the token).
 */
export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  /** The newest entries first, at most `limit`; unreadable entries are skipped, never fatal. */
  recent(limit?: number): Promise<AuditEntry[]>;
  /**
   * Which of `targets` already have an entry for a given record revision (`<target>#<revision>`).
   * Recovery only: it reads the whole log, once, after a crash.
   */
  revisionsFor(targets: ReadonlySet<string>): Promise<Set<string>>;
}

/** The `<target>#<revision>` marks among `entries` (shared by both adapters). */
export function revisionMarks(entries: Iterable<AuditEntry>, targets: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const entry of entries) {
    if (entry.target !== undefined && targets.has(entry.target) && typeof entry.revision === 'number') found.add(`${entry.target}#${entry.revision}`);
  }
  return found;
}
