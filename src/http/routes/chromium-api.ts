import { Router, type Request } from 'express';
import type { ChromiumVersionChanges } from '../../app/chromium-changes.ts';
import type { Actor } from '../../app/publish-errors.ts';
import type { ChromiumStore } from '../../storage/chromium-store.ts';
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
  const known = (req: Request): string => {
    const id = String(req.params.id);
    if (!deps.records.get(id)) throw new ApiError('NOT_FOUND', `No Chromium extension ${id}.`);
    return id;
  };

  router.get('/chromium', (_req, res) => {
    const list = deps.records.list().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
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
