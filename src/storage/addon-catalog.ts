import type { CatalogStore } from './catalog-store.ts';

/**
 * What the services and routes use of the add-on catalog, whichever store holds it: the folder's
 * CatalogStore (records read on demand, an index log) or ObjectCatalogStore (a bucket).
 */
export type AddonCatalog = Pick<
  CatalogStore,
  'get' | 'load' | 'revision' | 'revisionList' | 'summaries' | 'idIgnoringCase' | 'list' | 'size' | 'save' | 'restore' | 'onChange'
>;
