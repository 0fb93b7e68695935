import type { AddonRecord, ChangeSummary, VersionRecord } from '../catalog/addon-record.ts';
import { validateAppRange } from '../package/addon-identity.ts';
import { commitChange, type ChangeDeps } from './addon-changes.ts';
import type { TaskLock } from './shared-lock.ts';
import { ownerKey, PublishError, type Actor } from './publish-errors.ts';

export interface VersionChangeDeps extends ChangeDeps {
  lock: TaskLock;
  now?: () => Date;
}

/**
 * Changes to published versions: withdraw (out of every document, file moved aside), restore
 * (back in), and compatibility-range edits. Each is idempotent: asking again for what is already
 * so answers the record as it is, so a client retrying after a lost answer gets a success.
 */
export class VersionChangeService {
  private readonly now: () => Date;

  constructor(private readonly deps: VersionChangeDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private owned(id: string, actor: Actor): AddonRecord {
    const record = this.deps.catalog.get(id);
    if (!record) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${id}.`);
    ownerKey(record, actor, id);
    return record;
  }

  /** Every package of one version (a version may have one per platform). */
  private packagesOf(record: AddonRecord, version: string): VersionRecord[] {
    const packages = record.versions.filter((v) => v.version === version);
    if (packages.length === 0) throw new PublishError('VERSION_NOT_FOUND', `${record.id} has no version ${version}.`);
    return packages;
  }

  /** `base`: the record the change starts from (previous, unless the change is to its own fields). */
  private async change(base: AddonRecord, versions: VersionRecord[], change: Omit<ChangeSummary, 'actor' | 'ip'>, actor: Actor, previous = base): Promise<AddonRecord> {
    const record: AddonRecord = {
      ...base,
      updatedAt: this.now().toISOString(),
      revision: previous.revision + 1,
      versions,
      lastChange: { ...change, actor: actor.name, ...(actor.ip ? { ip: actor.ip } : {}) },
    };
    await commitChange(this.deps, previous, record);
    return record;
  }

  /** Takes a version out of every document (re-signed) and moves its files aside, unserved. */
  withdraw(id: string, version: string, actor: Actor): Promise<AddonRecord> {
    return this.deps.lock.run(id, async () => {
      const previous = this.owned(id, actor);
      const packages = this.packagesOf(previous, version).filter((v) => !v.withdrawnAt);
      if (packages.length === 0) return previous;
      const at = this.now().toISOString();
      const versions = previous.versions.map((v) => (packages.includes(v) ? { ...v, withdrawnAt: at } : v));
      return this.change(previous, versions, { action: 'withdraw', details: { version } }, actor);
    });
  }

  /** Puts a withdrawn version back: its files return to the public tree before any document names them. */
  restore(id: string, version: string, actor: Actor): Promise<AddonRecord> {
    return this.deps.lock.run(id, async () => {
      const previous = this.owned(id, actor);
      const packages = this.packagesOf(previous, version).filter((v) => v.withdrawnAt);
      if (packages.length === 0) return previous;
      const versions = previous.versions.map((v) => {
        if (!packages.includes(v)) return v;
        const { withdrawnAt: _withdrawn, ...active } = v;
        return active;
      });
      return this.change(previous, versions, { action: 'restore', details: { version } }, actor);
    });
  }

  /**
   * Makes an add-on private (reachable only through feeds: its public documents removed, its
   * packages moved out of public/) or public again (packages back, documents rendered), through
   * the same journaled change as any other, so a crash mid-way is finished or undone at start.
   */
  setVisibility(id: string, visibility: 'private' | 'public', actor: Actor): Promise<AddonRecord> {
    return this.deps.lock.run(id, async () => {
      const previous = this.owned(id, actor);
      if ((visibility === 'private') === Boolean(previous.private)) return previous;
      const { private: _was, ...rest } = previous;
      const base: AddonRecord = visibility === 'private' ? { ...rest, private: true } : rest;
      return this.change(base, previous.versions, { action: 'visibility', details: { visibility } }, actor, previous);
    });
  }

  /**
   * Changes one application's compatibility range of a published version, as addons.mozilla.org
   * lets authors do without a new upload; the documents are rebuilt and re-signed at once.
   */
  editRange(id: string, version: string, appId: string, range: { minVersion: string; maxVersion: string }, actor: Actor): Promise<AddonRecord> {
    // The same rule as on upload, so a range the editor refuses can never arrive in a package.
    validateAppRange(range.minVersion, range.maxVersion, appId);
    return this.deps.lock.run(id, async () => {
      const previous = this.owned(id, actor);
      const packages = this.packagesOf(previous, version).filter((v) => !v.withdrawnAt);
      if (packages.length === 0) throw new PublishError('VERSION_NOT_FOUND', `${id} has no published version ${version}.`);
      const target = packages.flatMap((v) => v.targets).find((t) => t.appId === appId);
      if (!target) throw new PublishError('TARGET_NOT_FOUND', `${id} ${version} does not target ${appId}.`);
      const before = { minVersion: target.minVersion, maxVersion: target.maxVersion };
      if (before.minVersion === range.minVersion && before.maxVersion === range.maxVersion) return previous;
      const versions = previous.versions.map((v) =>
        packages.includes(v) ? { ...v, targets: v.targets.map((t) => (t.appId === appId ? { ...t, ...range } : t)) } : v,
      );
      return this.change(previous, versions, { action: 'edit-range', details: { version, appId, before, after: range } }, actor);
    });
  }
}
