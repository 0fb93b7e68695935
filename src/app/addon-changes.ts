import type { AddonRecord } from '../catalog/addon-record.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import type { ChangeJournal, Intent } from '../storage/change-journal.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { isPreconditionFailed, type ObjectStore } from '../storage/objects/object-store.ts';
import type { ManifestService } from './manifests.ts';
import type { TaskLock } from './shared-lock.ts';

export interface ChangeDeps {
  objects: ObjectStore;
  catalog: AddonCatalog;
  manifests: ManifestService;
  journal: ChangeJournal;
  audit?: AuditLog;
}

export async function exists(objects: ObjectStore, key: string): Promise<boolean> {
  return (await objects.head(key)) !== undefined;
}

/** Where a package lives: withdrawn ones aside, a private add-on's outside public/, the rest served. */
export function packageKey(record: { id: string; private?: true }, version: { file: string; withdrawnAt?: string }): string {
  if (version.withdrawnAt) return dataKeys.withdrawn(record.id, version.file);
  return record.private ? dataKeys.feedOnly(record.id, version.file) : dataKeys.file(record.id, version.file);
}

/** Every place a package of `id` may be; a change moves it from one to another. */
function placesOf(id: string, file: string): string[] {
  return [dataKeys.file(id, file), dataKeys.withdrawn(id, file), dataKeys.feedOnly(id, file)];
}

/**
 * Puts every package of `record` where its state says (packageKey). Idempotent, so recovery can
 * run it whatever step a change reached: a copy left in public/ by a move cut short (a bucket's
 * move is copy then delete) is removed once the package is in its place. Any kind whose versions
 * name a file and may be withdrawn (add-ons, Chromium extensions).
 * `only`: the files whose place a change moved; recovery leaves it out and checks every file.
 */
export async function placeFiles(
  objects: ObjectStore,
  record: { id: string; private?: true; versions: readonly { file: string; withdrawnAt?: string }[] },
  only?: ReadonlySet<string>,
): Promise<void> {
  for (const version of record.versions) {
    // A change names the files it moves: a publish into a long history checks none of the others.
    if (only && !only.has(version.file)) continue;
    const target = packageKey(record, version);
    const served = dataKeys.file(record.id, version.file);
    if (!(await exists(objects, target))) {
      for (const place of placesOf(record.id, version.file)) {
        if (place !== target && (await exists(objects, place))) {
          await objects.move(place, target);
          break;
        }
      }
    }
    if (target !== served && (await exists(objects, target)) && (await exists(objects, served))) await objects.remove(served);
  }
}

/** Where a version's catalog icon lives: public/icons/ (served by the catalog while offered), or aside while the add-on is private. */
export function iconKey(record: { id: string; private?: true }, file: string): string {
  return record.private ? dataKeys.feedOnlyIcon(record.id, file) : dataKeys.icon(record.id, file);
}

/** The icons of `record` where its visibility says (idempotent, like placeFiles). */
export async function placeIcons(objects: ObjectStore, record: { id: string; private?: true; versions: readonly { icon?: { file: string } }[] }): Promise<void> {
  for (const { icon } of record.versions) {
    if (!icon) continue;
    const target = iconKey(record, icon.file);
    const other = record.private ? dataKeys.icon(record.id, icon.file) : dataKeys.feedOnlyIcon(record.id, icon.file);
    if (!(await exists(objects, target))) {
      if (await exists(objects, other)) await objects.move(other, target);
    } else if (record.private && (await exists(objects, other))) await objects.remove(other);
  }
}

/** Files whose place differs between the two revisions (a new package is adopted into its place, not moved). */
function movedFiles(previous: AddonRecord | undefined, record: AddonRecord): { into: Set<string>; out: Set<string> } {
  const before = new Map(previous?.versions.map((v) => [v.file, packageKey(previous, v)]));
  const into = new Set<string>();
  const out = new Set<string>();
  for (const v of record.versions) {
    const was = before.get(v.file);
    const now = packageKey(record, v);
    if (was === undefined || was === now) continue;
    (now === dataKeys.file(record.id, v.file) ? into : out).add(v.file);
  }
  return { into, out };
}

/**
 * Every change to an add-on goes through here, in one order: intent → (files in) → record →
 * documents → (files out) → audit entry → rendered mark → intent removed. Signing happens before
 * anything is written, so a key problem changes nothing. A failure takes the change back; a crash
 * is finished or taken back by recover() at the next start, decided by whether the record was saved.
 */
export async function commitChange(
  deps: ChangeDeps,
  previous: AddonRecord | undefined,
  record: AddonRecord,
  steps: { file?: string; beforeSave?: () => Promise<void> } = {},
): Promise<void> {
  const change = record.lastChange!;
  const docs = await deps.manifests.render(record);
  const intent: Intent = { id: record.id, revision: record.revision, action: change.action, ...(steps.file ? { file: steps.file } : {}) };
  await deps.journal.begin(intent);
  let stage: 'before-save' | 'saving' | 'saved' = 'before-save';
  try {
    await steps.beforeSave?.();
    stage = 'saving';
    await deps.catalog.save(record);
    stage = 'saved';
    const moved = movedFiles(previous, record);
    // Files enter the public tree before any document names them, and leave it (withdrawn, or
    // the add-on made private) only once no document does.
    await placeFiles(deps.objects, record, moved.into);
    await deps.manifests.write(record, docs);
    await placeFiles(deps.objects, record, moved.out);
    if (Boolean(previous?.private) !== Boolean(record.private)) await placeIcons(deps.objects, record);
  } catch (err) {
    // A save refused because another instance changed the record: the record, its documents and
    // any package named like ours are theirs now, and nothing of them is taken back.
    const refused = stage === 'saving' && isPreconditionFailed(err);
    await (refused ? deps.journal.end(intent.id) : undo(deps, previous, intent, stage !== 'before-save')).catch(() => undefined);
    throw err;
  }
  await finish(deps, record);
}

/** The audit entry and the rendered mark: the change is then complete. */
async function finish(deps: ChangeDeps, record: AddonRecord, logged?: ReadonlySet<string>): Promise<void> {
  const change = record.lastChange;
  if (change && deps.audit && !logged?.has(`${record.id}#${record.revision}`)) {
    await deps.audit.record({ actor: change.actor, action: change.action, target: record.id, details: change.details, revision: record.revision, ...(change.ip ? { ip: change.ip } : {}) });
  }
  await deps.manifests.markRendered(record);
  await deps.journal.end(record.id);
}

/**
 * Back to `previous`: its record, its documents, its files; a new package leaves the public tree.
 * `recordSaved` false: the change failed before its record was written, which stays as it is.
 */
async function undo(deps: ChangeDeps, previous: AddonRecord | undefined, intent: Intent, recordSaved = true): Promise<void> {
  if (recordSaved) await deps.catalog.restore(intent.id, previous);
  if (recordSaved && previous) {
    await deps.manifests.write(previous, await deps.manifests.render(previous));
    await placeFiles(deps.objects, previous);
    await placeIcons(deps.objects, previous);
  }
  const keep = previous?.versions.some((v) => v.file === intent.file);
  if (intent.file && !keep) for (const place of placesOf(intent.id, intent.file)) await deps.objects.remove(place);
  await deps.journal.end(intent.id);
}

/**
 * Whether the change an intent announced reached its record. A publish did exactly when the record
 * names its package (with several instances, other changes may have moved the revision past the
 * intent's meanwhile); any other change when the record reached its revision.
 */
function saved(record: AddonRecord, intent: Intent): boolean {
  if (intent.action === 'publish' && intent.file) return record.versions.some((v) => v.file === intent.file);
  return record.revision >= intent.revision;
}

/**
 * Start-up, before anything is served: every change a crash interrupted is finished (its record
 * was saved, so it may have been acknowledged) or taken back (it was not, so it never was). Each
 * in the add-on's lock, and only if its intent is still there once the lock is held: with several
 * instances on one bucket, an intent may belong to a change another instance is still making.
 * A running bucket instance also calls it now and then (instance-sync.ts) with `before`, for the
 * intents another instance left when it crashed or lost its lease.
 */
export async function recoverChanges(
  deps: ChangeDeps,
  lock: TaskLock,
  options: { before?: number } = {},
): Promise<{ finished: string[]; undone: string[]; problems: { file: string; reason: string }[] }> {
  const { intents, problems } = await deps.journal.pending(options);
  const finished: string[] = [];
  const undone: string[] = [];
  const logged = intents.length && deps.audit ? await deps.audit.revisionsFor(new Set(intents.map((i) => i.id))) : new Set<string>();
  for (const listed of intents) {
    await lock.run(listed.id, async () => {
      const intent = await deps.journal.read(listed.id);
      if (!intent) return;
      const record = deps.catalog.get(intent.id);
      if (record && saved(record, intent)) {
        await deps.manifests.write(record, await deps.manifests.render(record));
        await placeFiles(deps.objects, record);
        await placeIcons(deps.objects, record);
        await finish(deps, record, logged);
        finished.push(intent.id);
      } else {
        await undo(deps, record, intent);
        undone.push(intent.id);
      }
    });
  }
  return { finished, undone, problems };
}
