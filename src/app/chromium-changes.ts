import type { AuditLog } from '../storage/audit-log.ts';
import type { ChromiumRecord, ChromiumStore } from '../storage/chromium-store.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { listNames, readObject, writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { Intent } from '../storage/change-journal.ts';
import { exists, placeFiles } from './addon-changes.ts';
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
      return this.change(previous, previous.versions.map((v) => (v === target ? { ...v, withdrawnAt: at } : v)), 'withdraw', version, actor);
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
      return this.change(previous, versions, 'restore', version, actor);
    });
  }

  /** Intent → files in (restore) → record → static document → files out (withdraw) → audit entry → intent gone. */
  private async change(previous: ChromiumRecord, versions: ChromiumRecord['versions'], action: 'withdraw' | 'restore', version: string, actor: Actor): Promise<ChromiumRecord> {
    const record: ChromiumRecord = { ...previous, versions, updatedAt: this.now().toISOString(), revision: previous.revision + 1 };
    const { objects, records } = this.deps;
    const audit = { actor: actor.name, action, target: record.id, details: { type: 'chromium-extension', version }, ...(actor.ip ? { ip: actor.ip } : {}) };
    const intent: Intent = { kind: 'chromium', id: record.id, revision: record.revision, action, audit };
    return this.deps.intents.run(intent, async () => {
      try {
        // A restored file must be in place before the record (and so every answer) names it again.
        if (action === 'restore') await placeFiles(objects, record);
        await records.save(record);
        await this.writeDocument(record);
        await placeFiles(objects, record);
      } catch (err) {
        await records.restore(record.id, previous).catch(() => undefined);
        await this.writeDocument(previous).catch(() => undefined);
        await placeFiles(objects, previous).catch(() => undefined);
        throw err;
      }
      return record;
    });
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

  private writeDocument(record: ChromiumRecord): Promise<void> {
    return writeObject(this.deps.objects, dataKeys.document(record.id, this.deps.documentName), this.deps.staticDocument(record));
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
    let changed = false;
    const { objects } = this.deps;
    const document = this.deps.staticDocument(record);
    const key = dataKeys.document(record.id, this.deps.documentName);
    if ((await readObject(objects, key))?.toString('utf8') !== document) {
      await writeObject(objects, key, document);
      changed = true;
    }
    await placeFiles(objects, record);
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
