import type { PluginRecord } from '../jami-store/plugin-record.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { listNames } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import type { Intent } from '../storage/change-journal.ts';
import { exists } from './addon-changes.ts';
import type { PackageIntents } from './package-intents.ts';
import { ownerKey, PublishError, type Actor } from './publish-errors.ts';
import type { TaskLock } from './shared-lock.ts';

type Placed = Pick<PluginRecord, 'id' | 'private'>;

/** Where a plugin's file lives: public/jami/<id>/ (the store serves it), or aside while private. */
export function jamiFileKey(record: Placed, file: string): string {
  return record.private ? dataKeys.jamiFeedFile(record.id, file) : dataKeys.jamiFile(record.id, file);
}

/** Every file a record names: packages, icons, backgrounds. */
export function jamiNamedFiles(record: PluginRecord | undefined): Set<string> {
  return new Set(record?.versions.flatMap((v) => [v.file, v.icon?.file, v.background?.file]).filter((f): f is string => f !== undefined));
}

/**
 * Puts every file of `record` where its visibility says, and removes from both folders what it
 * does not name. Idempotent, so recovery runs it whatever step a change reached: a copy left in
 * public/ by a move cut short (a bucket's move is copy then delete) goes once the file is aside.
 */
export async function placeJamiFiles(objects: ObjectStore, id: string, record: PluginRecord | undefined): Promise<void> {
  const named = jamiNamedFiles(record);
  const here: Placed = record ?? { id };
  const there: Placed = here.private ? { id } : { id, private: true };
  for (const file of named) {
    const [target, other] = [jamiFileKey(here, file), jamiFileKey(there, file)];
    if (!(await exists(objects, other))) continue;
    if (await exists(objects, target)) await objects.remove(other);
    else await objects.move(other, target);
  }
  for (const folder of [dataKeys.jamiFiles(id), dataKeys.jamiFeedFiles(id)]) {
    for (const name of await listNames(objects, folder)) {
      if (!name.includes('/') && !named.has(name)) await objects.remove(`${folder}${name}`);
    }
  }
}

export interface JamiVisibilityDeps {
  objects: ObjectStore;
  plugins: PluginStore;
  lock: TaskLock;
  intents: PackageIntents;
  now?: () => Date;
}

/**
 * Making a Jami plugin private (served only through feeds) or public again, journaled like a
 * publish: intent → files in (made public) → record → files out (made private) → audit entry →
 * intent gone. Recovery (JamiPublishService.recovery) puts the files where the record says.
 */
export class JamiVisibility {
  constructor(private readonly deps: JamiVisibilityDeps) {}

  set(id: string, visibility: 'private' | 'public', actor: Actor): Promise<PluginRecord> {
    return this.deps.lock.run(`jami:${id}`, async () => {
      const previous = this.deps.plugins.get(id);
      if (!previous) throw new PublishError('ADDON_NOT_FOUND', `No Jami plugin ${id}.`);
      ownerKey(previous, actor, id);
      if ((visibility === 'private') === Boolean(previous.private)) return previous;
      const { private: _was, ...rest } = previous;
      const revision = (previous.revision ?? 0) + 1;
      const record: PluginRecord = { ...rest, ...(visibility === 'private' ? { private: true as const } : {}), revision, updatedAt: (this.deps.now?.() ?? new Date()).toISOString() };
      const audit = { actor: actor.name, action: 'visibility', target: id, details: { type: 'jami-plugin', visibility }, ...(actor.ip ? { ip: actor.ip } : {}) };
      const intent: Intent = { kind: 'jami', id, revision, action: 'visibility', audit };
      return this.deps.intents.run(intent, async () => {
        // A file coming back must be in place before the record (and so the store) names it.
        if (!record.private) await placeJamiFiles(this.deps.objects, id, record);
        await this.deps.plugins.save(record);
        await placeJamiFiles(this.deps.objects, id, record);
        return record;
      });
    });
  }
}
