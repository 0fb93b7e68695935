import type { AuditLog } from '../storage/audit-log.ts';
import type { ChromiumRecord, ChromiumStore } from '../storage/chromium-store.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { listNames, readObject, writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { Intent } from '../storage/change-journal.ts';
import { exists, placeFiles, placeIcons } from './addon-changes.ts';
import { reached, type KindRecovery, type PackageIntents } from './package-intents.ts';
import { ownerKey, PublishError, type Actor } from './publish-errors.ts';
import type { TaskLock } from './shared-lock.ts';

export interface ChromiumChangeDeps {
  objects: ObjectStore;
  records: ChromiumStore;
  lock: TaskLock;
  audit?: AuditLog;
  intents: PackageIntents;
  /** The static updates.xml of a record (ChromiumPublishService.staticDocument). */
  staticDocument: (record: ChromiumRecord) => string;
  /** The document's file name under public/updates/<id>/. */
  documentName: string;
  now?: () => Date;
}

/**
 * Withdraw and restore for Chromium extensions, with the same promises as for add-ons: idempotent,
 * a withdrawn version leaves every update answer before its file leaves the public tree, and a
 * restored file is back before any answer names it. The record is the truth: reconcile() puts
 * files and the static document where a record says, so a crash between steps is repaired at start.
 */
export class ChromiumVersionChanges {
  private readonly now: () => Date;

  constructor(private readonly deps: ChromiumChangeDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private owned(id: string, actor: Actor): ChromiumRecord {
    const record = this.deps.records.get(id);
    if (!record) throw new PublishError('ADDON_NOT_FOUND', `No Chromium extension ${id}.`);
    ownerKey(record, actor, id);
    return record;
  }

  private versionOf(record: ChromiumRecord, version: string) {
    const found = record.versions.find((v) => v.version === version);
    if (!found) throw new PublishError('VERSION_NOT_FOUND', `${record.id} has no version ${version}.`);
    return found;
  }

  withdraw(id: string, version: string, actor: Actor): Promise<ChromiumRecord> {
    return this.deps.lock.run(`chromium:${id}`, async () => {
      const previous = this.owned(id, actor);
      const target = this.versionOf(previous, version);
      if (target.withdrawnAt) return previous;
      const at = this.now().toISOString();
      return this.change(previous, previous, previous.versions.map((v) => (v === target ? { ...v, withdrawnAt: at } : v)), 'withdraw', version, actor);
    });
  }

  restore(id: string, version: string, actor: Actor): Promise<ChromiumRecord> {
    return this.deps.lock.run(`chromium:${id}`, async () => {
      const previous = this.owned(id, actor);
      const target = this.versionOf(previous, version);
      if (!target.withdrawnAt) return previous;
      const versions = previous.versions.map((v) => {
        if (v !== target) return v;
        const { withdrawnAt: _withdrawn, ...active } = v;
        return active;
      });
      return this.change(previous, previous, versions, 'restore', version, actor);
    });
  }

  /**
   * Private: served only through feeds (packages and icons out of public/, no static updates.xml,
   * public answers as for an unknown id); public again: the other way. Same journaled change as a
   * withdrawal, so a crash mid-way is settled from the record at start.
   */
  setVisibility(id: string, visibility: 'private' | 'public', actor: Actor): Promise<ChromiumRecord> {
    return this.deps.lock.run(`chromium:${id}`, async () => {
      const previous = this.owned(id, actor);
      if ((visibility === 'private') === Boolean(previous.private)) return previous;
      const { private: _was, ...rest } = previous;
      const base: ChromiumRecord = visibility === 'private' ? { ...rest, private: true } : rest;
      return this.change(previous, base, previous.versions, 'visibility', visibility, actor);
    });
  }

  /**
   * Intent → files in (restore, made public) → record → static document → files out (withdraw,
   * made private) → audit entry → intent gone. `previous` is the record before the change, `base`
   * the same but for its visibility; `detail` the version (withdraw, restore) or the visibility asked for.
   */
  private async change(
    previous: ChromiumRecord,
    base: ChromiumRecord,
    versions: ChromiumRecord['versions'],
    action: 'withdraw' | 'restore' | 'visibility',
    detail: string,
    actor: Actor,
  ): Promise<ChromiumRecord> {
    const record: ChromiumRecord = { ...base, versions, updatedAt: this.now().toISOString(), revision: previous.revision + 1 };
    const { objects, records } = this.deps;
    const details = { type: 'chromium-extension', ...(action === 'visibility' ? { visibility: detail } : { version: detail }) };
    const audit = { actor: actor.name, action, target: record.id, details, ...(actor.ip ? { ip: actor.ip } : {}) };
    const intent: Intent = { kind: 'chromium', id: record.id, revision: record.revision, action, audit };
    const inward = action === 'restore' || (action === 'visibility' && !record.private);
    return this.deps.intents.run(intent, async () => {
      try {
        // A file coming back must be in place before the record (and so every answer) names it.
        if (inward) await this.placeAll(record);
        await records.save(record);
        await this.writeDocument(record);
        await this.placeAll(record);
      } catch (err) {
        await records.restore(record.id, previous).catch(() => undefined);
        await this.writeDocument(previous).catch(() => undefined);
        await this.placeAll(previous).catch(() => undefined);
        throw err;
      }
      return record;
    });
  }

  private async placeAll(record: ChromiumRecord): Promise<void> {
    await placeFiles(this.deps.objects, record);
    await placeIcons(this.deps.objects, record);
  }

  /** A change cut short (publish, withdraw or restore): files and document as the record now says. */
  readonly recovery: KindRecovery = {
    kind: 'chromium',
    lockKey: (id) => `chromium:${id}`,
    settle: async (intent) => {
      const record = this.deps.records.get(intent.id);
      await (record ? this.repair(record) : this.clear(intent.id));
      return reached(record, intent);
    },
  };

  /** A first publish that never saved its record: its package and document leave the public tree. */
  private async clear(id: string): Promise<void> {
    const { objects } = this.deps;
    const document = dataKeys.document(id, this.deps.documentName);
    if (await exists(objects, document)) await objects.remove(document);
    for (const name of await listNames(objects, dataKeys.files(id))) {
      if (name.endsWith('.crx') && !name.includes('/')) await objects.remove(dataKeys.file(id, name));
    }
  }

  /**
   * The static updates.xml nginx serves from public/: absent while the extension is private. With
   * `unlessSame`, a document that already says the same is left alone. Whether anything changed.
   */
  private async writeDocument(record: ChromiumRecord, unlessSame = false): Promise<boolean> {
    const { objects } = this.deps;
    const key = dataKeys.document(record.id, this.deps.documentName);
    if (record.private) {
      if (!(await exists(objects, key))) return false;
      await objects.remove(key);
      return true;
    }
    const document = this.deps.staticDocument(record);
    if (unlessSame && (await readObject(objects, key))?.toString('utf8') === document) return false;
    await writeObject(objects, key, document);
    return true;
  }

  /**
   * Start-up: every extension's files and static document as its record says (a crash mid-change,
   * a new public URL), and packages no record names removed (a publish that died before its
   * record was saved was never acknowledged). Returns the ids that needed repair.
   */
  async reconcile(): Promise<string[]> {
    const repaired: string[] = [];
    for (const { id } of this.deps.records.list()) {
      // In the extension's lock: with several instances on one bucket, another may be changing it.
      const changed = await this.deps.lock.run(`chromium:${id}`, async () => {
        const record = this.deps.records.get(id);
        return record ? this.repair(record) : false;
      });
      if (changed) repaired.push(id);
    }
    return repaired;
  }

  /** The static document and files as the record says; packages no version names removed. */
  private async repair(record: ChromiumRecord): Promise<boolean> {
    const { objects } = this.deps;
    let changed = await this.writeDocument(record, true);
    await this.placeAll(record);
    const named = new Set(record.versions.map((v) => v.file));
    for (const name of await listNames(objects, dataKeys.files(record.id))) {
      if (name.endsWith('.crx') && !name.includes('/') && !named.has(name)) {
        await objects.remove(dataKeys.file(record.id, name));
        changed = true;
      }
    }
    return changed;
  }
}
