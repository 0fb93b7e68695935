import type { Request, Response, Router } from 'express';
import type { Outpost } from '../../app/outpost.ts';
import type { Actor } from '../../app/publish-errors.ts';
import { discardStaged, packageUpload } from '../upload.ts';
import { releaseNotesFrom } from '../release-notes-fields.ts';
import { chromiumDeployment } from '../chromium-view.ts';
import { isVpnPackage } from '../../app/package-publish.ts';
import { VPN_ADDON_TYPE } from '../../app/vpn-publish.ts';
import { addonListing } from './addon-listing.ts';
import { requireCsrf } from './guard.ts';
import { pageNumber, pagerLinks } from './paging.ts';
import { userError } from './user-error.ts';
import { appName, renderPage } from './views.ts';

export function adminActor(req: Request, keyName = ''): Actor {
  return { name: `admin:${req.session!.username}`, keyName, admin: true, ...(req.ip ? { ip: req.ip } : {}) };
}

/** Registers the pages; returns the upload page renderer so upload errors can be shown on it. */
export function catalogPages(router: Router, outpost: Outpost): { uploadPage: (req: Request, res: Response, extra: Record<string, unknown>, status?: number) => Promise<void> } {
  const { catalog, packages, keys, config, layout } = outpost;

  router.get('/', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const shown = await addonListing(catalog, q, pageNumber(req.query.page));
    renderPage(req, res, 'dashboard', { title: 'Add-ons', nav: 'dashboard' }, {
      addons: shown.items,
      q,
      total: catalog.size,
      pager: pagerLinks(`${req.baseUrl}/`, { q: q.trim() }, shown),
    });
  });

  const uploadPage = async (req: Request, res: Response, extra: Record<string, unknown>, status = 200) => {
    const list = await keys.list();
    renderPage(req, res, 'upload', { title: 'Upload', nav: 'upload', status }, { keys: list, selectedKey: list[0]?.name, vpnChannels: outpost.vpnChannels.map((c) => c.name), ...extra });
  };

  router.get('/upload', (req, res) => uploadPage(req, res, {}));

  router.post('/upload', requireCsrf, packageUpload({ tmpDir: layout.tmpDir, maxBytes: config.maxUploadBytes }), async (req, res) => {
    const keyName = String(req.body?.key ?? '');
    const updateInfoURL = typeof req.body?.updateInfoURL === 'string' && req.body.updateInfoURL ? req.body.updateInfoURL : undefined;
    try {
      await keys.info(keyName);
      const allowKeyChange = req.body?.allowKeyChange === 'on';
      // The channel field is only on the form when there are several indexes, and only VPN add-ons read it.
      const channel = typeof req.body?.channel === 'string' && req.body.channel !== '' && (await isVpnPackage(req.staged!.path)) ? req.body.channel : undefined;
      const result = await packages.publish(req.staged!, adminActor(req, keyName), { updateInfoURL, releaseNotes: releaseNotesFrom(req.body), allowKeyChange, channel });
      const status = result.status === 'created' ? 201 : 200;
      if (result.type === 'jami-plugin') {
        const plugin = outpost.plugins.get(result.id)!.versions.find((v) => v.version === result.version)!;
        return void (await uploadPage(req, res, { result: { ...result, name: plugin.name, abis: plugin.abis, author: plugin.author } }, status));
      }
      if (result.type === 'chromium-extension') {
        const deployment = chromiumDeployment(config.publicUrl, result.id);
        const name = outpost.chromiumRecords.get(result.id)?.versions.find((v) => v.version === result.version)?.name ?? result.id;
        return void (await uploadPage(req, res, { result: { ...result, name, chromium: deployment } }, status));
      }
      if (result.type === VPN_ADDON_TYPE) {
        const name = packages.vpnChannel(channel).records.get(result.id)?.name ?? result.id;
        return void (await uploadPage(req, res, { result: { ...result, name, vpn: result.links } }, status));
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

  return { uploadPage };
}
