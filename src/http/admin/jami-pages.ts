import type { Request, Response, Router } from 'express';
import type { Outpost } from '../../app/outpost.ts';
import { versionsForArch, type PluginRecord } from '../../jami-store/plugin-record.ts';
import { renderPage } from './views.ts';
import { visibilityRoute } from './visibility-route.ts';

/**
 * Jami plugins in the admin: the list, and per plugin its store URLs, versions and visibility
 * (private: served only through feeds, the public store answering as for an unknown plugin).
 */
export function jamiPages(router: Router, outpost: Outpost): void {
  const { plugins, config } = outpost;
  const store = `${config.publicUrl}${config.jami.prefix}`;
  const row = (r: PluginRecord) => {
    const versions = versionsForArch(r, undefined);
    return { id: r.id, name: versions[0]?.name ?? r.id, publisherKey: r.publisherKey, private: r.private === true, versions };
  };

  router.get('/jami', (req, res) => {
    const rows = plugins.list().sort((a, b) => a.id.localeCompare(b.id)).map(row);
    renderPage(req, res, 'jami', { title: 'Jami plugins', nav: 'jami' }, { plugins: rows, store });
  });

  const notFound = (req: Request, res: Response, id: string) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such Jami plugin', message: `Nothing is published as ${id}.` });

  router.get('/jami/:id', (req, res) => {
    const record = plugins.get(String(req.params.id));
    if (!record) return notFound(req, res, String(req.params.id));
    renderPage(req, res, 'jami-plugin', { title: row(record).name, nav: 'jami' }, { plugin: row(record), store });
  });

  // Private: served only through feeds (Feeds page); public again: back in the public store.
  visibilityRoute(router, 'jami', (id, visibility, actor) => outpost.jamiVisibility.set(id, visibility, actor), {
    private: 'The plugin is private: the public store answers as for an unknown plugin and its files left the public tree. Give clients a feed (Feeds).',
    public: 'The plugin is public again: the store lists it and serves its files.',
  });
}
