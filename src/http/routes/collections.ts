import { Router, type Response } from 'express';
import type { CollectionRecord, CollectionStore } from '../../storage/collection-store.ts';
import { ApiError } from '../api-error.ts';
import { renderPublicPage } from '../admin/views.ts';
import { collectionPolicies, memberKindLabel, offeredMembers, type CollectionSources } from '../collection-view.ts';

/**
 * Public collections: `GET /collections/<name>` (a page: members, downloads, deploy snippets) and
 * `GET /collections/<name>.json` (the same as data). Computed per request from the records, so a
 * publish or withdrawal shows at once; cached by clients and proxies for a minute.
 */
export function collectionRoutes(collections: CollectionStore, sources: CollectionSources): Router {
  const router = Router();
  router.get('/collections/:file', (req, res) => {
    const file = String(req.params.file);
    const json = file.endsWith('.json');
    const name = json ? file.slice(0, -'.json'.length) : file;
    const collection = collections.get(name);
    if (!collection || collection.private) throw new ApiError('NOT_FOUND', `No collection ${name}.`);
    sendCollection(res, collection, sources, json, `${sources.publicUrl}/collections/${encodeURIComponent(name)}.json`, 'public, max-age=60');
  });
  return router;
}

/** A collection's page or JSON index; a feed sends the same with its own links and caching. */
export function sendCollection(res: Response, collection: CollectionRecord, sources: CollectionSources, json: boolean, jsonUrl: string, cacheControl: string): void {
  const members = offeredMembers(collection, sources);
  const policies = collectionPolicies(members, sources);
  if (json) {
    res.set('Cache-Control', cacheControl);
    return void res.json({ name: collection.id, title: collection.title, description: collection.description, updatedAt: collection.updatedAt, members, policies });
  }
  renderPublicPage(
    res,
    'collection',
    collection.title,
    {
      collection,
      jsonUrl,
      members: members.map((m) => ({ ...m, kindLabel: memberKindLabel(m.kind) })),
      policies,
      firefoxJson: policies.firefox ? JSON.stringify(policies.firefox, null, 2) : '',
      chromiumJson: policies.chromium ? JSON.stringify(policies.chromium, null, 2) : '',
    },
    200,
    { cacheControl },
  );
}
