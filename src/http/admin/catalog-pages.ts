import { readFile } from 'node:fs/promises';
import type { Request, Response, Router } from 'express';
import { activeVersions, fileUrl, manifestUrl, updateJsonUrl } from '../../catalog/addon-record.ts';
import type { Outpost } from '../../app/outpost.ts';
import type { Actor } from '../../app/publish.ts';
import { discardStaged, packageUpload } from '../upload.ts';
import { releaseNotesFrom } from '../release-notes-fields.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { appName, renderPage } from './views.ts';

export function adminActor(req: Request, keyName = ''): Actor {
  return { name: `admin:${req.session!.username}`, keyName, admin: true, ...(req.ip ? { ip: req.ip } : {}) };
}


/** Registers the pages; returns the upload page renderer so upload errors can be shown on it. */
export function catalogPages(router: Router, outpost: Outpost): { uploadPage: (req: Request, res: Response, extra: Record<string, unknown>, status?: number) => Promise<void> } {
  const { catalog, packages, keys, config, layout } = outpost;

  router.get('/', (req, res) => {
    const q = String(req.query.q ?? '').trim().toLowerCase();
    const addons = catalog
      .list()
      .filter((a) => !q || a.id.toLowerCase().includes(q) || a.name.toLowerCase().includes(q))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((a) => ({ ...a, latest: activeVersions(a)[0]?.version }));
    renderPage(req, res, 'dashboard', { title: 'Add-ons', nav: 'dashboard' }, { addons, q: String(req.query.q ?? '') });
  });

  const uploadPage = async (req: Request, res: Response, extra: Record<string, unknown>, status = 200) => {
    const list = await keys.list();
    renderPage(req, res, 'upload', { title: 'Upload', nav: 'upload', status }, { keys: list, selectedKey: list[0]?.name, ...extra });
  };

  router.get('/upload', (req, res) => uploadPage(req, res, {}));

  router.post('/upload', requireCsrf, packageUpload({ tmpDir: layout.tmpDir, maxBytes: config.maxUploadBytes }), async (req, res) => {
    const keyName = String(req.body?.key ?? '');
    const updateInfoURL = typeof req.body?.updateInfoURL === 'string' && req.body.updateInfoURL ? req.body.updateInfoURL : undefined;
    try {
      await keys.info(keyName);
      const allowKeyChange = req.body?.allowKeyChange === 'on';
      const result = await packages.publish(req.staged!, adminActor(req, keyName), { updateInfoURL, releaseNotes: releaseNotesFrom(req.body), allowKeyChange });
      const status = result.status === 'created' ? 201 : 200;
      if (result.type === 'jami-plugin') {
        const plugin = outpost.plugins.get(result.id)!.versions.find((v) => v.version === result.version)!;
        return void (await uploadPage(req, res, { result: { ...result, name: plugin.name, abis: plugin.abis, author: plugin.author } }, status));
      }
      const record = catalog.get(result.id)!;
      const version = record.versions.find((v) => v.version === result.version)!;
      await uploadPage(req, res, {
        result: { ...result, name: record.name, targets: version.targets.map((t) => ({ ...t, appName: appName(t.appId) })) },
      }, status);
    } catch (err) {
      await discardStaged(req);
      const error = userError(err);
      await uploadPage(req, res, { error, updateInfoURL }, error.status);
    }
  });

  router.get('/addons/:id', async (req, res) => {
    const record = catalog.get(String(req.params.id));
    if (!record) {
      return renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such add-on', message: `Nothing is published as ${String(req.params.id)}.` });
    }
    const manifest = await readFile(layout.manifestPath(record.id), 'utf8').catch(() => '(not written yet)');
    const versions = [...activeVersions(record), ...record.versions.filter((v) => v.withdrawnAt)].map((v) => ({
      ...v,
      download: fileUrl(config.publicUrl, record.id, v.file),
      targets: v.targets.map((t) => ({ ...t, appName: appName(t.appId) })),
    }));
    renderPage(req, res, 'addon', { title: record.name, nav: 'dashboard' }, {
      addon: record,
      versions,
      manifest,
      manifestUrl: manifestUrl(config.publicUrl, record.id),
      jsonUrl: updateJsonUrl(config.publicUrl, record.id),
    });
  });

  const addonAction = (action: (req: Request) => Promise<string>) => async (req: Request, res: Response) => {
    const id = String(req.params.id);
    try {
      req.session!.flash = { kind: 'ok', text: await action(req) };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, `${req.baseUrl}/addons/${encodeURIComponent(id)}`);
  };

  router.post('/addons/:id/versions/:version/range', requireCsrf, addonAction(async (req) => {
    const { appId, minVersion, maxVersion } = req.body as Record<string, string>;
    await outpost.versions.editRange(String(req.params.id), String(req.params.version), String(appId), { minVersion: String(minVersion ?? '').trim(), maxVersion: String(maxVersion ?? '').trim() }, adminActor(req));
    return `${appName(String(appId))} range of ${String(req.params.version)} is now ${String(minVersion).trim()} – ${String(maxVersion).trim()}; the manifest was re-signed.`;
  }));

  router.post('/addons/:id/versions/:version/withdraw', requireCsrf, addonAction(async (req) => {
    await outpost.versions.withdraw(String(req.params.id), String(req.params.version), adminActor(req));
    return `Version ${String(req.params.version)} was withdrawn; the manifest was re-signed without it.`;
  }));
  return { uploadPage };
}
