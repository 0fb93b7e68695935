import { parseVisibility } from '../visibility.ts';
import type { Request, Response, Router } from 'express';
import { membersText, type CollectionFields } from '../../app/collections.ts';
import type { Outpost } from '../../app/outpost.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';

const HELP = `One member per line, in the order to show: the kind, then the id.
  addon myaddon@example.org
  chromium abcdefghijklmnopabcdefghijklmnop
  jami GreenScreen
  vpn message_demo staging      (a VPN add-on may name its channel)`;

/**
 * Collections in the admin: the list with a creation form, and per collection its title,
 * description and ordered members (edited as lines, so the form works without JavaScript), a
 * link to its public page, and deletion (asked twice).
 */
export function collectionPages(router: Router, outpost: Outpost): void {
  const { collectionRecords: records, collections, config } = outpost;
  const pagePath = (req: Request, name: string) => `${req.baseUrl}/collections/${encodeURIComponent(name)}`;
  const publicUrl = (name: string) => `${config.publicUrl}/collections/${encodeURIComponent(name)}`;
  const fieldsOf = (req: Request): CollectionFields => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
    return { title: text('title'), description: text('description'), members: text('members') };
  };
  const notFound = (req: Request, res: Response) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such collection', message: `There is no collection ${String(req.params.name)}.` });

  const listPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    renderPage(req, res, 'collections', { title: 'Collections', nav: 'collections', status }, {
      collections: records.list().sort((a, b) => a.id.localeCompare(b.id)).map((c) => ({ ...c, publicUrl: publicUrl(c.id) })),
      help: HELP,
      form: { name: '', title: '', description: '', members: '' },
      ...extra,
    });

  router.get('/collections', (req, res) => listPage(req, res));

  router.post('/collections', requireCsrf, async (req, res) => {
    const name = typeof req.body?.name === 'string' ? req.body.name : '';
    try {
      const created = await collections.create(name, fieldsOf(req), adminActor(req));
      req.session!.flash = { kind: 'ok', text: `The collection ${created.id} was created.` };
      res.redirect(303, pagePath(req, created.id));
    } catch (err) {
      const error = userError(err);
      listPage(req, res, { error, form: { name, ...fieldsOf(req) } }, error.status);
    }
  });

  const editPage = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const record = records.get(String(req.params.name));
    if (!record) return notFound(req, res);
    renderPage(req, res, 'collection-edit', { title: record.title, nav: 'collections', status }, {
      collection: record,
      publicUrl: publicUrl(record.id),
      help: HELP,
      form: { title: record.title, description: record.description, members: membersText(record.members) },
      ...extra,
    });
  };

  router.get('/collections/:name', (req, res) => editPage(req, res));

  router.post('/collections/:name', requireCsrf, async (req, res) => {
    try {
      await collections.update(String(req.params.name), fieldsOf(req), adminActor(req));
      req.session!.flash = { kind: 'ok', text: 'Saved: the public page and JSON show it at once.' };
      res.redirect(303, pagePath(req, String(req.params.name)));
    } catch (err) {
      const error = userError(err);
      editPage(req, res, { error, form: fieldsOf(req) }, error.status);
    }
  });

  // A private collection is served only through its feeds; public again: its page is back.
  router.post('/collections/:name/visibility', requireCsrf, async (req, res) => {
    try {
      const visibility = parseVisibility((req.body as Record<string, unknown> | undefined)?.visibility);
      await collections.setVisibility(String(req.params.name), visibility, adminActor(req));
      req.session!.flash = { kind: 'ok', text: visibility === 'private' ? 'The collection is private: its public page answers 404; give clients a feed (Feeds).' : 'The collection is public again.' };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, pagePath(req, String(req.params.name)));
  });

  router.post('/collections/:name/delete', requireCsrf, async (req, res) => {
    const record = records.get(String(req.params.name));
    if (!record) return notFound(req, res);
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
      return renderPage(req, res, 'collection-delete', { title: `Delete ${record.id}`, nav: 'collections' }, { collection: record, back: pagePath(req, record.id), action: `${pagePath(req, record.id)}/delete` });
    }
    try {
      await collections.remove(record.id, adminActor(req));
      req.session!.flash = { kind: 'ok', text: `The collection ${record.id} was deleted; its public page answers 404 now.` };
      res.redirect(303, `${req.baseUrl}/collections`);
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
      res.redirect(303, pagePath(req, record.id));
    }
  });
}
