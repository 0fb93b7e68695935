import { Router, type Request } from 'express';
import type { ChromiumVersionChanges } from '../../app/chromium-changes.ts';
import type { Actor } from '../../app/publish-errors.ts';
import type { ChromiumRecord, ChromiumStore } from '../../storage/chromium-store.ts';
import { ApiError } from '../api-error.ts';
import { chromiumDetails } from '../chromium-view.ts';
import { parseVisibility } from '../visibility.ts';

export interface ChromiumApiDeps {
  records: ChromiumStore;
  changes: ChromiumVersionChanges;
  publicUrl: string;
  actor: (req: Request) => Actor;
}

/**
 * Chromium extensions under /api/v1/chromium (behind the API's token check): list, details with
 * the policy line to deploy, withdraw/restore and visibility, idempotent like the add-on routes.
 */
export function chromiumApiRoutes(deps: ChromiumApiDeps): Router {
  const router = Router();
  // Another key's private extension is an unknown id here too, not a 403 that tells it exists.
  const visible = (record: ChromiumRecord | undefined, actor: Actor): record is ChromiumRecord =>
    record !== undefined && (!record.private || actor.admin || record.publisherKey === actor.keyName);
  const known = (req: Request): string => {
    const id = String(req.params.id);
    if (!visible(deps.records.get(id), deps.actor(req))) throw new ApiError('NOT_FOUND', `No Chromium extension ${id}.`);
    return id;
  };

  router.get('/chromium', (req, res) => {
    const actor = deps.actor(req);
    const list = deps.records.list().filter((r) => visible(r, actor)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    res.json({ extensions: list.map((r) => chromiumDetails(r, deps.publicUrl)) });
  });

  router.get('/chromium/:id', (req, res) => {
    res.json(chromiumDetails(deps.records.get(known(req))!, deps.publicUrl));
  });

  router.delete('/chromium/:id/versions/:version', async (req, res) => {
    const updated = await deps.changes.withdraw(known(req), String(req.params.version), deps.actor(req));
    res.json(chromiumDetails(updated, deps.publicUrl));
  });

  router.post('/chromium/:id/versions/:version/restore', async (req, res) => {
    const updated = await deps.changes.restore(known(req), String(req.params.version), deps.actor(req));
    res.json(chromiumDetails(updated, deps.publicUrl));
  });

  // Private (served only through feeds) or public again; idempotent like withdraw and restore.
  router.post('/chromium/:id/visibility/:visibility', async (req, res) => {
    const visibility = parseVisibility(req.params.visibility);
    const updated = await deps.changes.setVisibility(known(req), visibility, deps.actor(req));
    res.json(chromiumDetails(updated, deps.publicUrl));
  });

  return router;
}
