import { isPublic, type AddonRecord } from '../catalog/addon-record.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';

export type PublicAddons = Pick<AddonCatalog, 'get' | 'load' | 'revision' | 'onChange'>;

const shown = (record: AddonRecord | undefined) => (record && isPublic(record) ? record : undefined);

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
