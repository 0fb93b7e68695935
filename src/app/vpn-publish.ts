import { DEFAULT_VPN_CHANNEL } from '../config.ts';
import { RCC } from '../limits.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { readObject, writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { stagedBytes } from '../storage/staged-reads.ts';
import type { VpnRecord, VpnStore } from '../storage/vpn-store.ts';
import type { VpnAddon } from '../vpn/vpn-addon.ts';
import { VpnError } from '../vpn/vpn-errors.ts';
import { exists } from './addon-changes.ts';
import type { TaskLock } from './shared-lock.ts';
import { ownerKey, PublishError, type Actor } from './publish-errors.ts';
import { publishCandidate, type Candidate, type PackageKind, type PublishResult, type StagedUpload } from './publish-pipeline.ts';
import type { VpnIndexPublicKey } from './vpn-index-key.ts';
import type { PackageIntents } from './package-intents.ts';
import type { Intent } from '../storage/change-journal.ts';
import { inspectVpnUpload } from './vpn-inspect.ts';
import { INDEX_FILE, SIGNATURE_FILE, type VpnIndexWriter } from './vpn-index-writer.ts';
import { mayManageChannel } from './vpn-visibility.ts';

interface VpnCandidate extends Candidate {
  readonly addon: VpnAddon;
  readonly bytes: Buffer;
}

export const VPN_ADDON_TYPE = 'vpn-addon';
/**
 * One lock for every VPN change: each one re-renders the whole index (a few add-ons, a few KB)
 * and issues the next serial, so they are taken one at a time.
 */
export const VPN_LOCK = 'vpn-index';

export interface VpnPublishDeps {
  objects: ObjectStore;
  records: VpnStore;
  index: VpnIndexWriter;
  publicKey: () => Promise<VpnIndexPublicKey>;
  lock: TaskLock;
  audit?: AuditLog;
  /** Recovery is vpn-repair.ts's vpnRecovery, registered by the composition root. */
  intents: PackageIntents;
  publicUrl: string;
  /** OUTPOST_VPN_PREFIX, or the channel's */
  prefix: string;
  /** The channel (its own index, key, records and lock); production unless given. */
  channel?: string;
  /** The publisher key that owns `id` in another channel, if any. */
  ownerElsewhere?: (id: string) => string | undefined;
  /** Whether the channel is private (vpn-visibility.ts): then only who manages it adds add-ons. */
  isPrivate?: () => boolean;
  now?: () => Date;
}

export interface VpnLinks {
  rcc: string;
  index: string;
  signature: string;
}

/** The record new bytes make: a new add-on, a replacement (the old sha256 joins the history), or a withdrawn one back. */
export function nextVpnRecord(previous: VpnRecord | undefined, addon: VpnAddon, change: { keyName: string; at: string; size: number }): VpnRecord {
  const { at } = change;
  const replaced = previous && previous.sha256 !== addon.sha256 ? [{ sha256: previous.sha256, publishedAt: previous.publishedAt, replacedAt: at }] : [];
  return {
    id: addon.manifest.id,
    name: addon.manifest.name,
    type: addon.manifest.type,
    publisherKey: previous?.publisherKey ?? change.keyName,
    sha256: addon.sha256,
    size: change.size,
    conditions: addon.manifest.conditions,
    createdAt: previous?.createdAt ?? at,
    publishedAt: at,
    updatedAt: at,
    revision: (previous?.revision ?? 0) + 1,
    history: [...(previous?.history ?? []), ...replaced],
  };
}

/**
 * Publishing and withdrawing Mozilla VPN add-ons. The index has no versions: each id has one
 * current .rcc, which new bytes replace. Writes go intent → .rcc (temp, then rename) → record →
 * index (manifest.json, then .sig) → audit entry → intent gone; a failure puts back what was
 * written, and a change cut short is repaired from the records, which are the truth, at start or
 * by a running instance (vpn-repair.ts vpnRecovery, package-intents.ts).
 */
export class VpnPublishService {
  private readonly now: () => Date;

  readonly channel: string;
  /** One lock per channel: each change re-signs that channel's index. */
  private readonly lockKey: string;

  constructor(private readonly deps: VpnPublishDeps) {
    this.now = deps.now ?? (() => new Date());
    this.channel = deps.channel ?? DEFAULT_VPN_CHANNEL;
    this.lockKey = `${VPN_LOCK}:${this.channel}`;
  }

  /** The trusted source a client build is given: the index folder's URL, with its final slash. */
  indexBase(): string {
    return `${this.deps.publicUrl}${this.deps.prefix}/`;
  }

  links(id: string): VpnLinks {
    const base = this.indexBase();
    return { rcc: `${base}${encodeURIComponent(`${id}.rcc`)}`, index: `${base}${INDEX_FILE}`, signature: `${base}${SIGNATURE_FILE}` };
  }

  /** The key of an add-on's served .rcc. */
  servedKey(id: string): string {
    return this.deps.index.fileKey(`${id}.rcc`);
  }

  publicKey(): Promise<VpnIndexPublicKey> {
    return this.deps.publicKey();
  }

  async publish(upload: StagedUpload, actor: Actor): Promise<PublishResult> {
    // Checked before the file is read: the upload limit is far above what an add-on may be.
    if (upload.size > RCC.maxFileBytes) throw new VpnError('VPN_RCC_TOO_LARGE', `The add-on is ${upload.size} bytes; a VPN add-on may have at most ${RCC.maxFileBytes}.`);
    const bytes = await stagedBytes(upload.path);
    // Ids are file names: a named upload must be <id>.rcc (the client fetches it by that name).
    const addon = await inspectVpnUpload(bytes, { fileName: upload.originalName || undefined, now: this.now() });
    const warnings = addon.warnings.map((w) => `${w.message} [${w.code}]`);
    const candidate: VpnCandidate = { id: addon.manifest.id, version: '', sha256: addon.sha256, warnings, addon, bytes };
    // The id's lock across every channel, then the channel's own (always in this order): two first
    // publishes of one id in two channels by two keys cannot both find it unowned.
    return this.deps.lock.run(`vpn-id:${candidate.id}`, () => publishCandidate(this.deps, this.kind, candidate, actor));
  }

  private readonly kind: PackageKind<VpnCandidate, VpnRecord, { serial?: number }> = {
    noun: 'VPN add-on',
    lockKey: () => this.lockKey,
    current: (id) => this.deps.records.get(id),
    idIgnoringCase: (id) => this.deps.records.idIgnoringCase(id),
    // No versions: the same bytes again change nothing; new bytes (or a withdrawn add-on's bytes) replace it.
    existing: (record, c) => (!record.withdrawnAt && record.sha256 === c.sha256 ? { sha256: record.sha256, entry: {} } : undefined),
    // An id belongs to one publisher key in every channel: the key that owns it elsewhere owns it here too.
    check: async (previous, c, _keyName, actor) => {
      const owner = previous ? undefined : this.deps.ownerElsewhere?.(c.id);
      if (owner !== undefined) ownerKey({ publisherKey: owner }, actor, c.id);
      // A private channel is served to its feeds' holders: another key's new add-on would reach
      // them without its owner or theirs agreeing (and would take the channel out of their hands).
      if (!previous && this.deps.isPrivate?.() && !mayManageChannel(this.deps.records, actor)) {
        throw new VpnError('VPN_CHANNEL_FORBIDDEN', `The ${this.channel} channel is private and managed by another key; an admin adds add-ons to it, or makes it public first.`);
      }
      return [];
    },
    // One intent per channel (its lock), naming the add-on as the audit entry's target.
    intent: (previous, c, _keyName, actor) => this.intent(previous, 'publish', actor, { target: c.id, sha256: c.sha256 }),
    store: async (previous, c, keyName) => {
      const owner = (previous ? undefined : this.deps.ownerElsewhere?.(c.id)) ?? keyName;
      const record = nextVpnRecord(previous, c.addon, { keyName: owner, at: this.now().toISOString(), size: c.bytes.length });
      const serial = await this.place(previous, record, c.bytes);
      const replaced = previous && previous.sha256 !== record.sha256 ? { replaced: previous.sha256 } : {};
      return { record, entry: { serial }, audit: { action: 'publish', revision: record.revision, details: { type: VPN_ADDON_TYPE, channel: this.channel, sha256: record.sha256, serial, ...replaced } } };
    },
    answer: (status, record, { serial }, warnings) => {
      const { rcc, index, signature } = this.links(record.id);
      return {
        status,
        id: record.id,
        // The index has no versions; the field stays a string for clients that read every kind.
        version: '',
        type: VPN_ADDON_TYPE,
        sha256: record.sha256,
        size: record.size,
        links: { download: rcc, index, signature },
        warnings: [...warnings],
        ...(serial !== undefined ? { serial } : {}),
      };
    },
  };

  private intent(previous: VpnRecord | undefined, action: 'publish' | 'withdraw', actor: Actor, about: { target: string; sha256: string }): Intent {
    const details = { type: VPN_ADDON_TYPE, channel: this.channel, sha256: about.sha256 };
    return { kind: 'vpn', id: this.channel, revision: (previous?.revision ?? 0) + 1, action, audit: { actor: actor.name, action, target: about.target, details, ...(actor.ip ? { ip: actor.ip } : {}) } };
  }

  /** .rcc → record → index. Returns the serial of the index that names the new bytes. */
  private async place(previous: VpnRecord | undefined, record: VpnRecord, bytes: Buffer): Promise<number> {
    const { objects } = this.deps;
    const served = this.servedKey(record.id);
    // Kept to put back if a later step fails: the served name is replaced in place.
    const before = previous && !previous.withdrawnAt ? await readObject(objects, served, RCC.maxFileBytes).catch(() => undefined) : undefined;
    await this.deps.index.ready();
    let indexTouched = false;
    try {
      await writeObject(objects, served, bytes);
      await this.deps.records.save(record);
      indexTouched = true;
      return (await this.deps.index.publish()).serial;
    } catch (err) {
      // Every step is tried even when one fails: no served file may outlive its record.
      await this.deps.records.restore(record.id, previous).catch(() => undefined);
      await (before ? writeObject(objects, served, before) : objects.remove(served)).catch(() => undefined);
      if (indexTouched) await this.deps.index.publish().catch(() => undefined);
      throw err;
    }
  }

  /** Out of the index at once, then the file aside. Idempotent: a withdrawn add-on answers as it is. */
  withdraw(id: string, actor: Actor): Promise<VpnRecord> {
    return this.deps.lock.run(this.lockKey, async () => {
      const previous = this.deps.records.get(id);
      if (!previous) throw new PublishError('ADDON_NOT_FOUND', `No VPN add-on ${id}.`);
      ownerKey(previous, actor, id);
      if (previous.withdrawnAt) {
        await this.putAside(previous);
        return previous;
      }
      const at = this.now().toISOString();
      const record: VpnRecord = { ...previous, withdrawnAt: at, updatedAt: at, revision: previous.revision + 1 };
      await this.deps.index.ready();
      // Intent → record → index → file aside → audit entry → intent gone.
      const intent = this.intent(previous, 'withdraw', actor, { target: id, sha256: record.sha256 });
      await this.deps.intents.run(intent, async () => {
        let issued: number;
        try {
          await this.deps.records.save(record);
          issued = (await this.deps.index.publish()).serial;
        } catch (err) {
          await this.deps.records.restore(id, previous).catch(() => undefined);
          await this.deps.index.publish().catch(() => undefined);
          throw err;
        }
        await this.putAside(record);
        return issued;
      }, (serial) => ({ action: 'withdraw', details: { ...intent.audit!.details, serial } }));
      return record;
    });
  }

  /** A withdrawn add-on's .rcc, moved out of the public tree (kept under its sha256). */
  async putAside(record: VpnRecord): Promise<void> {
    const served = this.servedKey(record.id);
    if (await exists(this.deps.objects, served)) await this.deps.objects.move(served, dataKeys.vpnWithdrawn(record.id, `${record.sha256}.rcc`, this.channel));
  }

  /** Runs `task` in this channel's lock (start-up repair; every change here takes it too). */
  runLocked<T>(task: () => Promise<T>): Promise<T> {
    return this.deps.lock.run(this.lockKey, task);
  }

  /** Re-signs the index when it is no longer current (hourly while serving; see isCurrent). */
  refresh(): Promise<boolean> {
    return this.deps.lock.run(this.lockKey, () => this.reindexIfStale());
  }

  /** refresh() for a caller that holds the channel's lock already (recovery). */
  async reindexIfStale(): Promise<boolean> {
    if (this.deps.records.size === 0 && !(await this.deps.index.exists())) return false;
    if (await this.deps.index.isCurrent()) return false;
    await this.deps.index.publish();
    return true;
  }
}
