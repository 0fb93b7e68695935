import type { AuditLog } from '../storage/audit-log.ts';
import type { ChangeJournal, Intent, IntentKind } from '../storage/change-journal.ts';
import { isPreconditionFailed } from '../storage/objects/object-store.ts';
import type { AuditNote } from './publish-pipeline.ts';
import type { TaskLock } from './shared-lock.ts';

/**
 * How a kind whose record is the truth for its files and documents (Jami plugins, Chromium
 * extensions, VPN channels) is put right after a change stopped half-way.
 */
export interface KindRecovery {
  readonly kind: IntentKind;
  /** The lock every change to the intent's id holds (the kind's lockKey). */
  lockKey(id: string): string;
  /**
   * In that lock: files and documents put where the current record says (packages it does not
   * name removed), so what is served is the record's state; true when the change the intent
   * announced reached the record (it is then finished, else it is taken back).
   */
  settle(intent: Intent): Promise<boolean>;
}

/**
 * Whether a change reached a record: a publish exactly when the record names its file (other
 * instances may have moved the revision on meanwhile), any other change when the record reached
 * its revision. Records without revisions (Jami) are only ever published to.
 */
export function reached(record: { revision?: number; versions?: readonly { file: string }[] } | undefined, intent: Intent): boolean {
  if (!record) return false;
  if (intent.action === 'publish' && intent.file) return Boolean(record.versions?.some((v) => v.file === intent.file));
  return (record.revision ?? 0) >= intent.revision;
}

export interface Recovered {
  finished: string[];
  undone: string[];
  problems: { file: string; reason: string }[];
}

/**
 * The add-ons' intents (addon-changes.ts), for every other kind: an intent is written before a
 * change's first write and removed after its audit entry, so a change cut short by a crash, a lost
 * lease or a failed write is settled from its record — at the next start, by a running bucket
 * instance's periodic recovery (instance-sync.ts), or at once when the change itself failed.
 */
export class PackageIntents {
  private readonly kinds = new Map<IntentKind, KindRecovery>();

  constructor(
    private readonly journal: ChangeJournal,
    private readonly lock: TaskLock,
    private readonly audit?: AuditLog,
  ) {}

  register(recovery: KindRecovery): void {
    this.kinds.set(recovery.kind, recovery);
  }

  /**
   * Runs `change` (its caller holds the kind's lock) under `intent`. Success: the audit entry
   * (`note` from the result, else the intent's own), then the intent goes. Failure: settled as a
   * crash would be, since the change's own undo may have been cut short.
   */
  async run<T>(intent: Intent, change: () => Promise<T>, note?: (result: T) => AuditNote | undefined): Promise<T> {
    const recovery = this.recovery(intent);
    // An intent still there is a change cut short that recovery has not reached yet: settled
    // first, or its files (a package its record never named) would outlive the intent we replace.
    const left = await this.journal.read(intent.id, intent.kind);
    if (left) await this.settle(recovery, left);
    await this.journal.begin(intent);
    let result: T;
    try {
      result = await change();
    } catch (err) {
      // A save refused because another instance changed the record first: what is stored is
      // theirs, and our memory of it may be stale, so nothing is put "right" from it.
      const settled = isPreconditionFailed(err) ? this.journal.end(intent.id, intent.kind) : this.settle(recovery, intent);
      await settled.catch(() => undefined);
      throw err;
    }
    const made = note?.(result);
    await this.log(intent, made?.details, made?.action);
    await this.journal.end(intent.id, intent.kind);
    return result;
  }

  /**
   * Every intent of every registered kind (written before `before`, by the store's clock, when
   * given), each in its lock and only if still there once held: another instance may be making
   * that change right now.
   */
  async recover(options: { before?: number } = {}): Promise<Recovered> {
    const out: Recovered = { finished: [], undone: [], problems: [] };
    for (const recovery of this.kinds.values()) {
      const { intents, problems } = await this.journal.pending({ ...options, kind: recovery.kind });
      out.problems.push(...problems.map((p) => ({ ...p, file: `${recovery.kind}/${p.file}` })));
      for (const listed of intents) {
        await this.lock.run(recovery.lockKey(listed.id), async () => {
          const intent = await this.journal.read(listed.id, recovery.kind);
          if (!intent) return;
          (await this.settle(recovery, intent) ? out.finished : out.undone).push(`${recovery.kind}:${intent.id}`);
        });
      }
    }
    return out;
  }

  private recovery(intent: Intent): KindRecovery {
    const recovery = intent.kind && this.kinds.get(intent.kind);
    if (!recovery) throw new Error(`no recovery registered for intents of kind ${String(intent.kind)}`);
    return recovery;
  }

  private async settle(recovery: KindRecovery, intent: Intent): Promise<boolean> {
    const done = await recovery.settle(intent);
    if (done && intent.audit && this.audit) {
      const logged = await this.audit.revisionsFor(new Set([intent.audit.target]));
      if (!logged.has(`${intent.audit.target}#${intent.revision}`)) await this.log(intent);
    }
    await this.journal.end(intent.id, intent.kind);
    return done;
  }

  private async log(intent: Intent, details?: Record<string, unknown>, action?: string): Promise<void> {
    const entry = intent.audit;
    if (!entry || !this.audit) return;
    await this.audit.record({
      actor: entry.actor,
      action: action ?? entry.action,
      target: entry.target,
      revision: intent.revision,
      details: details ?? entry.details,
      ...(entry.ip ? { ip: entry.ip } : {}),
    });
  }
}
