import type { Request, Response, Router } from 'express';
import type { Outpost } from '../../app/outpost.ts';
import type { ChromiumRecord } from '../../storage/chromium-store.ts';
import { fileUrl } from '../../catalog/addon-record.ts';
import { chromiumDeployment, chromiumVersionsForDisplay } from '../chromium-view.ts';
import { adminActor } from './catalog-pages.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { renderPage } from './views.ts';
import { visibilityRoute } from './visibility-route.ts';

const versionAnchor = (version: string) => `v-${version.replace(/[^0-9.]/g, '_').replaceAll('.', '-')}`;

/**
 * Chromium extensions in the admin: the list, and per extension what to deploy (the
 * ExtensionInstallForcelist line, the manifest's update_url), its versions, withdraw and restore,
 * and its visibility.
 */
export function chromiumPages(router: Router, outpost: Outpost): void {
  const { chromiumRecords: records, config } = outpost;
  const pagePath = (req: Request, id: string) => `${req.baseUrl}/chromium/${encodeURIComponent(id)}`;
  const params = (req: Request) => ({ id: String(req.params.id), version: String(req.params.version) });
  const extensionName = (r: ChromiumRecord) => chromiumVersionsForDisplay(r)[0]?.name ?? r.id;

  const notFound = (req: Request, res: Response, id: string) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such Chromium extension', message: `Nothing is published as ${id}.` });

  router.get('/chromium', (req, res) => {
    const rows = records
      .list()
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((r) => ({
        id: r.id,
        name: extensionName(r),
        publisherKey: r.publisherKey,
        updatedAt: r.updatedAt,
        latest: chromiumVersionsForDisplay(r).find((v) => !v.withdrawnAt)?.version,
        policyLine: chromiumDeployment(config.publicUrl, r.id).policyLine,
      }));
    renderPage(req, res, 'chromium', { title: 'Chromium extensions', nav: 'chromium' }, { extensions: rows });
  });

  router.get('/chromium/:id', (req, res) => {
    const record = records.get(params(req).id);
    if (!record) return notFound(req, res, params(req).id);
    renderPage(req, res, 'chromium-extension', { title: extensionName(record), nav: 'chromium' }, {
      extension: { ...record, name: extensionName(record) },
      deployment: chromiumDeployment(config.publicUrl, record.id),
      versions: chromiumVersionsForDisplay(record).map((v) => ({ ...v, anchor: versionAnchor(v.version), download: fileUrl(config.publicUrl, record.id, v.file) })),
    });
  });

  const confirmPage = (req: Request, res: Response, record: ChromiumRecord, version: string) =>
    renderPage(req, res, 'withdraw', { title: `Withdraw ${version}`, nav: 'chromium' }, {
      addon: { id: record.id, name: extensionName(record) },
      version,
      kind: 'extension',
      consequence: `Browsers stop being offered ${version} at once: every update check answers without it, and its package leaves the public folder. Installed copies stay as they are.`,
      action: `${pagePath(req, record.id)}/versions/${encodeURIComponent(version)}/withdraw`,
      back: `${pagePath(req, record.id)}#${versionAnchor(version)}`,
    });

  router.get('/chromium/:id/versions/:version/withdraw', (req, res) => {
    const { id, version } = params(req);
    const record = records.get(id);
    if (!record) return notFound(req, res, id);
    const target = record.versions.find((v) => v.version === version);
    if (!target) return renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such version', message: `${id} has no version ${version}.` });
    if (target.withdrawnAt) {
      req.session!.flash = { kind: 'ok', text: `Version ${version} is already withdrawn.` };
      return res.redirect(303, pagePath(req, id));
    }
    confirmPage(req, res, record, version);
  });

  /** Runs a change, then back to the extension's page with what happened (or why not). */
  const change = async (req: Request, res: Response, action: () => Promise<string>) => {
    const { id, version } = params(req);
    try {
      req.session!.flash = { kind: 'ok', text: await action() };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, `${pagePath(req, id)}#${versionAnchor(version)}`);
  };

  router.post('/chromium/:id/versions/:version/withdraw', requireCsrf, async (req, res) => {
    const { id, version } = params(req);
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
      const record = records.get(id);
      return record ? confirmPage(req, res, record, version) : notFound(req, res, id);
    }
    await change(req, res, async () => {
      await outpost.chromiumVersions.withdraw(id, version, adminActor(req));
      return `Version ${version} was withdrawn: no update check offers it any more. Restore it from its entry below.`;
    });
  });

  router.post('/chromium/:id/versions/:version/restore', requireCsrf, async (req, res) => {
    const { version } = params(req);
    await change(req, res, async () => {
      await outpost.chromiumVersions.restore(params(req).id, version, adminActor(req));
      return `Version ${version} is offered again.`;
    });
  });

  // Private: served only through feeds (Feeds page); public again: back on every public URL.
  visibilityRoute(router, 'chromium', (id, visibility, actor) => outpost.chromiumVersions.setVisibility(id, visibility, actor), {
    private: 'The extension is private: its public URLs answer as for an unknown id and its packages left the public tree. Give browsers a feed (Feeds).',
    public: 'The extension is public again: its packages and updates.xml are served.',
  });
}
