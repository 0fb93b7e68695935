import { isPublic } from '../catalog/addon-record.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';

export type PublicAddons = Pick<AddonCatalog, 'get' | 'load' | 'revision' | 'onChange'>;

/** The record when it is public: to strangers a private one is an unknown id. */
export const shown = <T extends { private?: true }>(record: T | undefined): T | undefined => (record && isPublic(record) ? record : undefined);

/**
 * The add-on catalog as strangers see it: a private add-on is an unknown id, exactly. Every
 * public reader of records (adaptive update answers, release notes, catalog pages, public
 * collections) goes through this one view; feeds read the catalog itself.
 */
export function publicAddons(catalog: PublicAddons): PublicAddons {
  return {
    get: (id) => shown(catalog.get(id)),
    load: async (id) => shown(await catalog.load(id)),
    revision: (id) => catalog.revision(id),
    onChange: (listener) => catalog.onChange(listener),
  };
}

/** A store of Chromium extensions or Jami plugins as strangers see it (store, catalog, collections). */
export function publicRecords<T extends { private?: true }>(store: { get(id: string): T | undefined; list(): T[] }): { get(id: string): T | undefined; list(): T[] } {
  return { get: (id) => shown(store.get(id)), list: () => store.list().filter((r) => isPublic(r)) };
}
