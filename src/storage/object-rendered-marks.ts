import { segment } from './data-keys.ts';
import { listNames, readObject, writeObject } from './objects/object-bytes.ts';
import type { ObjectStore } from './objects/object-store.ts';
import type { MarkLoad, RenderedMarkStore } from './rendered-marks.ts';

const PREFIX = 'private/rendered/';

/**
 * Rendered marks in a bucket, where nothing can be appended: one small object per add-on
 * (private/rendered/<id>, holding the revision), read by listing at start. Writing one is a PUT;
 * a crash before it only makes the next start render that add-on again, which is always safe.
 */
export class ObjectRenderedMarks implements RenderedMarkStore {
  constructor(private readonly objects: ObjectStore) {}

  async load(): Promise<MarkLoad> {
    const marks = new Map<string, number>();
    for (const id of await listNames(this.objects, PREFIX)) {
      if (id.includes('/')) continue;
      const revision = Number.parseInt((await readObject(this.objects, `${PREFIX}${id}`, 64))?.toString('utf8') ?? '', 10);
      if (Number.isSafeInteger(revision) && revision > 0) marks.set(id, revision);
    }
    return { marks, lines: marks.size, migrated: false, torn: false };
  }

  async mark(id: string, revision: number): Promise<void> {
    await writeObject(this.objects, `${PREFIX}${segment(id)}`, `${revision}\n`);
  }

  /** Marks of add-ons no longer in the catalog go; the others are already one object each. */
  async compact(marks: Iterable<[string, number]>): Promise<void> {
    const keep = new Set([...marks].map(([id]) => id));
    for (const id of await listNames(this.objects, PREFIX)) {
      if (!id.includes('/') && !keep.has(id)) await this.objects.remove(`${PREFIX}${id}`);
    }
  }
}
