import { parseVisibility } from '../visibility.ts';
import type { Request, Response, Router } from 'express';
import { activeVersions, fileUrl, manifestUrl, updateJsonUrl, type AddonRecord } from '../../catalog/addon-record.ts';
import type { Outpost } from '../../app/outpost.ts';
import { isValidAppVersionRange } from '../../version/toolkit-version.ts';
import { adminActor } from './catalog-pages.ts';
import { dataKeys } from '../../storage/data-keys.ts';
import { readObject } from '../../storage/objects/object-bytes.ts';
import { adaptiveUrl, installRdfSnippet, manifestJsonSnippet, releaseNotesLinks, webExtensionUpdateUrl } from './addon-snippets.ts';
import { requireCsrf } from './guard.ts';
import { userError } from './user-error.ts';
import { appName, renderPage } from './views.ts';

/** A refused range edit, shown in its own form with what was typed. */
interface RangeError {
  version: string;
  appId: string;
  minVersion: string;
  maxVersion: string;
  message: string;
  /** Which input the message is about (both when the range as a whole is wrong). */
  field: 'min' | 'max' | 'both';
}

/** Element ids from versions and GUIDs: only characters that are safe in ids and URL fragments. */
const domId = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');

const params = (req: Request) => ({ id: String(req.params.id), version: String(req.params.version) });

export function addonPages(router: Router, outpost: Outpost): void {
  const { catalog, keys, config, objects } = outpost;
  const addonPath = (req: Request, id: string) => `${req.baseUrl}/addons/${encodeURIComponent(id)}`;

  const notFound = (req: Request, res: Response, id: string) =>
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such add-on', message: `Nothing is published as ${id}.` });

  // Through the store in both modes: in a bucket deployment the documents are the bucket's.
  const served = (id: string, file: string) =>
    readObject(objects, dataKeys.document(id, file), 16 * 1024 * 1024).then((bytes) => bytes?.toString('utf8') ?? '(not written yet)', () => '(not written yet)');

  const addonPage = async (req: Request, res: Response, record: AddonRecord, rangeError?: RangeError, status = 200) => {
    // A private add-on has no public documents: its feeds render their own, with their own links.
    const none = async () => '(none: the add-on is private; its feeds serve these documents with links under the feed)';
    const [rdf, json] = record.private ? await Promise.all([none(), none()]) : await Promise.all([served(record.id, 'update.rdf'), served(record.id, 'update.json')]);
    const updateKey = await keys.info(record.publisherKey).then((k) => k.updateKey, () => undefined);
    const formats = new Set(record.versions.map((v) => v.format));
    const webExtension = (activeVersions(record)[0] ?? record.versions[0])?.format === 'webextension';
    const versions = [...activeVersions(record), ...record.versions.filter((v) => v.withdrawnAt)].map((v) => ({
      ...v,
      key: domId('v', v.version),
      download: fileUrl(config.publicUrl, record.id, v.file),
      notesLinks: releaseNotesLinks(v),
      targets: v.targets.map((t) => {
        const refused = rangeError && rangeError.version === v.version && rangeError.appId === t.appId ? rangeError : undefined;
        return { ...t, appName: appName(t.appId), key: domId('range', v.version, t.appId), refused, minValue: refused?.minVersion ?? t.minVersion, maxValue: refused?.maxVersion ?? t.maxVersion };
      }),
    }));
    const previews = [
      { name: 'update.rdf', url: manifestUrl(config.publicUrl, record.id), body: rdf },
      { name: 'update.json', url: updateJsonUrl(config.publicUrl, record.id), body: json },
    ];
    renderPage(req, res, 'addon', { title: record.name, nav: 'dashboard', status }, {
      addon: record,
      versions,
      urls: { rdf: manifestUrl(config.publicUrl, record.id), adaptive: adaptiveUrl(config.publicUrl, record.id), json: webExtensionUpdateUrl(config.publicUrl, record) },
      snippets: {
        installRdf: formats.has('install.rdf') ? installRdfSnippet(config.publicUrl, record.id, updateKey) : undefined,
        manifestJson: formats.has('webextension') ? manifestJsonSnippet(config.publicUrl, record) : undefined,
      },
      // The newest version's format decides which document its author looks at first.
      previews: webExtension ? previews.reverse() : previews,
    });
  };

  router.get('/addons/:id', async (req, res) => {
    const record = catalog.get(String(req.params.id));
    if (!record) return notFound(req, res, String(req.params.id));
    await addonPage(req, res, record);
  });

  /** Runs a change, then back to the add-on page with what happened (or why not) at the top. */
  const change = async (req: Request, res: Response, action: () => Promise<string>, anchor = '') => {
    try {
      req.session!.flash = { kind: 'ok', text: await action() };
    } catch (err) {
      req.session!.flash = { kind: 'error', text: userError(err).message };
    }
    res.redirect(303, `${addonPath(req, String(req.params.id))}${anchor}`);
  };

  router.post('/addons/:id/versions/:version/range', requireCsrf, async (req, res) => {
    const { id, version } = params(req);
    const body = req.body as Record<string, unknown>;
    const appId = String(body.appId ?? '');
    const minVersion = String(body.minVersion ?? '').trim();
    const maxVersion = String(body.maxVersion ?? '').trim();
    try {
      await outpost.versions.editRange(id, version, appId, { minVersion, maxVersion }, adminActor(req));
    } catch (err) {
      const error = userError(err);
      const record = catalog.get(id);
      if (!record) return notFound(req, res, id);
      const form = record.versions.some((v) => v.version === version && !v.withdrawnAt && v.targets.some((t) => t.appId === appId));
      if (!form) {
        // No form to show the message in (the version was withdrawn meanwhile): say it at the top.
        req.session!.flash = { kind: 'error', text: error.message };
        return res.redirect(303, addonPath(req, id));
      }
      // The page again, not a redirect: the form keeps what was typed and says what is wrong with it.
      const field = !isValidAppVersionRange(minVersion) ? 'min' : !isValidAppVersionRange(maxVersion) ? 'max' : 'both';
      const message = error.message.replaceAll(appId, appName(appId));
      return addonPage(req, res, record, { version, appId, minVersion, maxVersion, message, field }, error.status);
    }
    req.session!.flash = { kind: 'ok', text: `${appName(appId)} range of ${version} is now ${minVersion} – ${maxVersion}; the manifest was re-signed.` };
    res.redirect(303, `${addonPath(req, id)}#${domId('v', version)}`);
  });

  /** Withdrawing takes a version away from every client at once, so it is asked for twice. */
  const confirmPage = (req: Request, res: Response, record: AddonRecord, version: string) =>
    renderPage(req, res, 'withdraw', { title: `Withdraw ${version}`, nav: 'dashboard' }, {
      addon: record,
      version,
      kind: 'add-on',
      consequence: `Clients stop being offered ${version} at once: the manifests are rebuilt and re-signed without it, and its files leave the public folder. Installed copies stay as they are.`,
      action: `${addonPath(req, record.id)}/versions/${encodeURIComponent(version)}/withdraw`,
      back: `${addonPath(req, record.id)}#${domId('v', version)}`,
    });

  router.get('/addons/:id/versions/:version/withdraw', (req, res) => {
    const { id, version } = params(req);
    const record = catalog.get(id);
    if (!record) return notFound(req, res, id);
    const packages = record.versions.filter((v) => v.version === version);
    if (packages.length === 0) {
      return renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'No such version', message: `${id} has no version ${version}.` });
    }
    if (packages.every((v) => v.withdrawnAt)) {
      req.session!.flash = { kind: 'ok', text: `Version ${version} is already withdrawn.` };
      return res.redirect(303, addonPath(req, id));
    }
    confirmPage(req, res, record, version);
  });

  router.post('/addons/:id/versions/:version/withdraw', requireCsrf, async (req, res) => {
    const { id, version } = params(req);
    // A request without the confirmation (an old page, a stray form) gets the question, not the change.
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
      const record = catalog.get(id);
      return record ? confirmPage(req, res, record, version) : notFound(req, res, id);
    }
    await change(req, res, async () => {
      await outpost.versions.withdraw(id, version, adminActor(req));
      return `Version ${version} was withdrawn; the manifest was re-signed without it. Restore it from its entry below.`;
    }, `#${domId('v', version)}`);
  });

  router.post('/addons/:id/versions/:version/restore', requireCsrf, async (req, res) => {
    const { id, version } = params(req);
    await change(req, res, async () => {
      await outpost.versions.restore(id, version, adminActor(req));
      return `Version ${version} is served again; the manifest was re-signed with it.`;
    }, `#${domId('v', version)}`);
  });

  // Private: served only through feeds (Feeds page); public again: back on every public URL.
  router.post('/addons/:id/visibility', requireCsrf, async (req, res) => {
    await change(req, res, async () => {
      const visibility = parseVisibility((req.body as Record<string, unknown> | undefined)?.visibility);
      await outpost.versions.setVisibility(String(req.params.id), visibility, adminActor(req));
      return visibility === 'private'
        ? 'The add-on is private: its public URLs answer 404 and its packages left the public tree. Give clients a feed (Feeds).'
        : 'The add-on is public again: its documents were rendered and its packages are served.';
    });
  });
}
