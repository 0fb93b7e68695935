import type { Router } from 'express';
import type { Actor } from '../../app/publish-errors.ts';
import { parseVisibility } from '../visibility.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';

/**
 * `POST <kind>/:id/visibility` of an item's admin page (Chromium extension, Jami plugin): the
 * switch, then back to the page with what happened (`said[visibility]`) or why not.
 */
export function visibilityRoute(
  router: Router,
  kind: string,
  set: (id: string, visibility: 'private' | 'public', actor: Actor) => Promise<unknown>,
  said: Record<'private' | 'public', string>,
): void {
  router.post(`/${kind}/:id/visibility`, requireCsrf, async (req, res) => {
    const id = String(req.params.id);
    try {
      const visibility = parseVisibility((req.body as Record<string, unknown> | undefined)?.visibility);
      await set(id, visibility, adminActor(req));
      req.session!.flash = { kind: 'ok', text: said[visibility] };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, `${req.baseUrl}/${kind}/${encodeURIComponent(id)}`);
  });
}
