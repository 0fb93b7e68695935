import type { Request, Response, Router } from 'express';
import { parseScope, scopeText, type IssuedFeed } from '../../app/feeds.ts';
import type { Outpost } from '../../app/outpost.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';

/**
 * Private feeds in the admin: the list (label, scope, created, rotated — never a secret, which no
 * store holds), creation, rotation and revocation. A new or rotated feed's URL is shown once, on
 * the page answering the form: rendered, not put in a flash message, so it is stored nowhere.
 */
export function feedPages(router: Router, outpost: Outpost): void {
  const { feeds, config } = outpost;
  const listPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(req, res, 'feeds', { title: 'Feeds', nav: 'feeds', status }, {
      feeds: feeds.list(adminActor(req)).map((f) => ({ ...f, scopeText: scopeText(f.scope) })),
      // What the scope field offers (it takes any add-on id too): channels and collections.
      choices: [
        ...outpost.vpnChannels.map((c) => `vpn ${c.name}`),
        ...outpost.collectionRecords.list().map((c) => `collection ${c.id}`).sort(),
        ...outpost.chromiumRecords.list().map((r) => `chromium ${r.id}`).sort(),
        ...outpost.plugins.list().map((r) => `jami ${r.id}`).sort(),
      ],
      form: { scope: '', label: '' },
      ...extra,
    });
  const shown = (issued: IssuedFeed, what: string) => ({
    issued: { what, label: issued.feed.label, scope: scopeText(issued.feed.scope), url: `${config.publicUrl}/feeds/${issued.token}/` },
  });
  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };

  router.get('/feeds', (req, res) => listPage(req, res));

  router.post('/feeds', requireCsrf, async (req, res) => {
    const form = { scope: field(req, 'scope'), label: field(req, 'label') };
    try {
      const issued = await feeds.create(parseScope(form.scope), form.label, adminActor(req));
      listPage(req, res, shown(issued, 'created'));
    } catch (err) {
      const error = userError(err);
      listPage(req, res, { error, form }, error.status);
    }
  });

  router.post('/feeds/:id/rotate', requireCsrf, async (req, res) => {
    try {
      listPage(req, res, shown(await feeds.rotate(String(req.params.id), adminActor(req)), 'rotated'));
    } catch (err) {
      const error = userError(err);
      listPage(req, res, { error }, error.status);
    }
  });

  router.post('/feeds/:id/revoke', requireCsrf, async (req, res) => {
    try {
      await feeds.revoke(String(req.params.id), adminActor(req));
      req.session!.flash = { kind: 'ok', text: 'The feed was revoked: its URL answers 404 now.' };
      res.redirect(303, `${req.baseUrl}/feeds`);
    } catch (err) {
      const error = userError(err);
      listPage(req, res, { error }, error.status);
    }
  });
}
