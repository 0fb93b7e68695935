import type { AuditLog } from '../storage/audit-log.ts';
import type { Intent } from '../storage/change-journal.ts';
import type { PackageIntents } from './package-intents.ts';
import type { TaskLock } from './shared-lock.ts';
import { ownerKey, PublishError, type Actor } from './publish-errors.ts';

/**
 * One publish pipeline for every package kind (XPI, Jami JPL, Chromium CRX, VPN add-on):
 *
 *   stage upload (http/upload.ts) → inspect and verify (the kind) → in the id's lock: case
 *   conflict, ownership, immutability (here) → the kind's own rules (key continuity, version
 *   order) → store: package, record, documents (the kind, in its crash-safe order) → audit → answer.
 *
 * A kind says only what differs: how bytes become a candidate, where its records are, what counts
 * as "the same version", and how its files and documents are written.
 */

/** An upload already on disk (in the private tmp folder) with the sha256 computed while it streamed. */
export interface StagedUpload {
  path: string;
  size: number;
  sha256: string;
  /** The file name the client sent, when it sent one. */
  originalName?: string;
}

export interface PublishResult {
  status: 'created' | 'unchanged';
  id: string;
  version: string;
  type: string;
  sha256: string;
  size: number;
  /** updateJson for WebExtensions: what their clients poll (gecko.update_url). */
  /** VPN add-ons: `index` and `signature` name the signed add-on index that lists the download. */
  links: { download: string; updateRdf?: string; updateJson?: string; storeVersions?: string; updateXml?: string; index?: string; signature?: string };
  warnings: string[];
  /** VPN add-ons: the serial of the index a change was published in. */
  serial?: number;
}

/** What inspection made of an upload: enough for the shared checks. */
export interface Candidate {
  readonly id: string;
  /** In messages; '' for kinds without versions (VPN add-ons). */
  readonly version: string;
  readonly sha256: string;
  /** Inspection's warnings, answered also when nothing changes. */
  readonly warnings: readonly string[];
}

/** The audit entry of a stored change. */
export interface AuditNote {
  readonly action: string;
  readonly revision?: number;
  readonly details: Record<string, unknown>;
}

export interface Stored<R, E> {
  readonly record: R;
  readonly entry: E;
  /** Absent when the kind's change protocol logs the entry itself (see addon-changes.ts). */
  readonly audit?: AuditNote;
}

export interface PackageKind<C extends Candidate, R extends { readonly publisherKey: string }, E> {
  /** For messages: "add-on", "Jami plugin", "Chromium extension", "VPN add-on". */
  readonly noun: string;
  lockKey(candidate: C): string;
  current(id: string): R | undefined;
  /** An existing id that differs from `id` only in case (ids become file and path names). */
  idIgnoringCase(id: string): string | undefined;
  /** The package already offered under this candidate's version, if any. */
  existing(record: R, candidate: C): { readonly sha256: string; readonly withdrawnAt?: string; readonly entry: E } | undefined;
  /** The kind's own rules, once the change is known to be new: refusals, and warnings to answer. */
  check(previous: R | undefined, candidate: C, keyName: string, actor: Actor): Promise<string[]>;
  /**
   * The intent a change writes before its first write (package-intents.ts), for kinds whose
   * record is the truth for their files; add-ons keep theirs in addon-changes.ts instead.
   */
  intent?(previous: R | undefined, candidate: C, keyName: string, actor: Actor): Intent;
  /** Package, record, documents, in the kind's crash-safe order; a failed step takes the change back. */
  store(previous: R | undefined, candidate: C, keyName: string, actor: Actor): Promise<Stored<R, E>>;
  answer(status: PublishResult['status'], record: R, entry: E, warnings: readonly string[]): PublishResult;
}

export interface PipelineDeps {
  lock: TaskLock;
  audit?: AuditLog;
  /** Needed by kinds with an `intent`. */
  intents?: PackageIntents;
}

export async function publishCandidate<C extends Candidate, R extends { readonly publisherKey: string }, E>(
  deps: PipelineDeps,
  kind: PackageKind<C, R, E>,
  candidate: C,
  actor: Actor,
): Promise<PublishResult> {
  const { id, version } = candidate;
  const label = version ? `${id} ${version}` : id;
  const outcome = await deps.lock.run(kind.lockKey(candidate), async () => {
    const previous = kind.current(id);
    const twin = previous ? undefined : kind.idIgnoringCase(id);
    if (twin !== undefined) {
      throw new PublishError('ADDON_ID_CASE_CONFLICT', `${id} differs from the existing ${kind.noun} ${twin} only in case; on case-insensitive file systems and CDNs they are one. Use the existing id or another one.`);
    }
    const keyName = ownerKey(previous, actor, id);
    const existing = previous && kind.existing(previous, candidate);
    if (existing) {
      if (existing.sha256 !== candidate.sha256) {
        throw new PublishError('VERSION_EXISTS', `${label} is already published with different content. Versions are immutable: publish a new version number.`);
      }
      if (existing.withdrawnAt) throw new PublishError('VERSION_WITHDRAWN', `${label} was withdrawn; restore it, or publish a new version number.`);
      return { status: 'unchanged' as const, record: previous, entry: existing.entry, warnings: [...candidate.warnings] };
    }
    const warnings = [...candidate.warnings, ...(await kind.check(previous, candidate, keyName, actor))];
    const intent = kind.intent?.(previous, candidate, keyName, actor);
    if (intent) {
      if (!deps.intents) throw new Error(`${kind.noun} changes need the intent journal`);
      // The intent's run writes the audit entry, before the intent goes (and so inside the lock).
      const stored = await deps.intents.run(intent, () => kind.store(previous, candidate, keyName, actor), (s) => s.audit);
      return { status: 'created' as const, record: stored.record, entry: stored.entry, warnings };
    }
    const stored = await kind.store(previous, candidate, keyName, actor);
    return { status: 'created' as const, ...stored, warnings };
  });
  if (outcome.status === 'created' && 'audit' in outcome && outcome.audit) {
    const { action, revision, details } = outcome.audit;
    await deps.audit?.record({ actor: actor.name, action, target: id, ...(revision !== undefined ? { revision } : {}), details, ...(actor.ip ? { ip: actor.ip } : {}) });
  }
  return kind.answer(outcome.status, outcome.record, outcome.entry, outcome.warnings);
}
