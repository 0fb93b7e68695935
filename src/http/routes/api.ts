import { Router, type Request } from 'express';
import { activeVersions, fileUrl, manifestUrl, type AddonRecord } from '../../catalog/addon-record.ts';
import type { Actor } from '../../app/publish-errors.ts';
import type { XpiPublishService } from '../../app/xpi-publish.ts';
import type { PackagePublisher } from '../../app/package-publish.ts';
import type { VersionChangeService } from '../../app/version-changes.ts';
import type { AddonCatalog } from '../../storage/addon-catalog.ts';
import { summarizeAddon, type AddonSummary } from '../../storage/catalog-store.ts';
import type { TokenStore } from '../../storage/token-store.ts';
import { ApiError } from '../api-error.ts';
import { requireToken } from '../auth.ts';
import { discardStaged } from '../upload.ts';
import { apiPackageUpload } from '../raw-upload.ts';
import { releaseNotesFrom } from '../release-notes-fields.ts';
import { chromiumApiRoutes, type ChromiumApiDeps } from './chromium-api.ts';
import { vpnApiRoutes, type VpnApiDeps } from './vpn-api.ts';
import { parseVisibility } from '../visibility.ts';
import { feedApiRoutes } from './feed-api.ts';
import type { FeedService } from '../../app/feeds.ts';
import type { JamiVisibility } from '../../app/jami-visibility.ts';
import type { PluginStore } from '../../storage/plugin-store.ts';

export interface ApiDeps {
  publish: XpiPublishService;
  versions: VersionChangeService;
  packages: PackagePublisher;
  catalog: AddonCatalog;
  tokens: TokenStore;
  tmpDir: string;
  maxUploadBytes: number;
  publicUrl: string;
  /** Chromium extensions' listing and version changes; absent in apps built without them. */
  chromium?: Omit<ChromiumApiDeps, 'publicUrl' | 'actor'>;
  /** Mozilla VPN add-ons: listing, withdraw and the index key; absent in apps built without them. */
  vpn?: Omit<VpnApiDeps, 'actor'>;
  /** Private feeds; absent in apps built without them. */
  feeds?: FeedService;
  /** Jami plugins' visibility; absent in apps built without it. */
  jamiVisibility?: Pick<JamiVisibility, 'set'>;
  plugins?: Pick<PluginStore, 'get'>;
}

function tokenActor(req: Request): Actor {
  return { name: `token:${req.token!.id}`, keyName: req.token!.keyName, ...(req.ip ? { ip: req.ip } : {}) };
}

/** One add-on as listings show it: from the catalog index, so a listing reads no record. */
function summary(s: AddonSummary, publicUrl: string) {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    publisherKey: s.publisherKey,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    latestVersion: s.latestVersion ?? null,
    versionCount: s.versionCount,
    private: s.private === true,
    // A private add-on has no public URL: its feeds' URLs are shown once, when made.
    links: s.private ? {} : { updateRdf: manifestUrl(publicUrl, s.id) },
  };
}

function details(record: AddonRecord, publicUrl: string) {
  return {
    ...summary(summarizeAddon(record), publicUrl),
    versions: [...activeVersions(record), ...record.versions.filter((v) => v.withdrawnAt)].map((v) => ({
      version: v.version,
      format: v.format,
      targets: v.targets,
      targetPlatforms: v.targetPlatforms,
      size: v.size,
      sha256: v.sha256,
      updateHash: `sha256:${v.sha256}`,
      updateInfoURL: v.updateInfoURL ?? null,
      publishedAt: v.publishedAt,
      withdrawnAt: v.withdrawnAt ?? null,
      links: v.withdrawnAt || record.private ? {} : { download: fileUrl(publicUrl, record.id, v.file) },
    })),
  };
}

/** The publishing API under /api/v1; every route needs a token. */
export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.use(requireToken(deps.tokens));

  /** A private add-on exists only for its own key's tokens: to any other it is an unknown id. */
  const visible = (req: Request, s: { private?: boolean; publisherKey: string }): boolean => !s.private || s.publisherKey === req.token!.keyName;
  const record = (req: Request): AddonRecord => {
    const found = deps.catalog.get(String(req.params.id));
    if (!found || !visible(req, found)) throw new ApiError('NOT_FOUND', `No add-on ${String(req.params.id)}.`);
    return found;
  };

  router.post('/packages', apiPackageUpload({ tmpDir: deps.tmpDir, maxBytes: deps.maxUploadBytes }), async (req, res) => {
    try {
      const updateInfoURL = typeof req.body?.updateInfoURL === 'string' && req.body.updateInfoURL !== '' ? req.body.updateInfoURL : undefined;
      const releaseNotes = releaseNotesFrom(req.body);
      const kind = typeof req.body?.kind === 'string' && req.body.kind !== '' ? req.body.kind : undefined;
      // A Mozilla VPN add-on's index (OUTPOST_VPN_CHANNELS); production when not sent.
      const channel = typeof req.body?.channel === 'string' && req.body.channel !== '' ? req.body.channel : undefined;
      const { status, ...result } = await deps.packages.publish(req.staged!, tokenActor(req), { updateInfoURL, releaseNotes, kind, channel });
      res.status(status === 'created' ? 201 : 200).json(result);
    } finally {
      await discardStaged(req);
    }
  });

  router.get('/addons', async (req, res) => {
    const list = (await deps.catalog.summaries()).filter((s) => visible(req, s)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    res.json({ addons: list.map((r) => summary(r, deps.publicUrl)) });
  });

  router.get('/addons/:id', (req, res) => {
    res.json(details(record(req), deps.publicUrl));
  });

  // Both idempotent: asking again for what is already so answers 200 with the record as it is.
  router.delete('/addons/:id/versions/:version', async (req, res) => {
    const updated = await deps.versions.withdraw(record(req).id, String(req.params.version), tokenActor(req));
    res.json(details(updated, deps.publicUrl));
  });

  router.post('/addons/:id/versions/:version/restore', async (req, res) => {
    const updated = await deps.versions.restore(record(req).id, String(req.params.version), tokenActor(req));
    res.json(details(updated, deps.publicUrl));
  });

  // Private (served only through feeds) or public again; idempotent like withdraw and restore.
  router.post('/addons/:id/visibility/:visibility', async (req, res) => {
    const visibility = parseVisibility(req.params.visibility);
    const updated = await deps.versions.setVisibility(record(req).id, visibility, tokenActor(req));
    res.json(details(updated, deps.publicUrl));
  });

  // A Jami plugin private (served only through feeds) or public again; idempotent. Another key's
  // private plugin is an unknown id, not a 403 that tells it exists.
  if (deps.jamiVisibility) {
    const jami = deps.jamiVisibility;
    router.post('/jami/:id/visibility/:visibility', async (req, res) => {
      const visibility = parseVisibility(req.params.visibility);
      const actor = tokenActor(req);
      const id = String(req.params.id);
      const known = deps.plugins?.get(id);
      if (!known || !visible(req, known)) throw new ApiError('NOT_FOUND', `No Jami plugin ${id}.`);
      const updated = await jami.set(id, visibility, actor);
      res.json({ id: updated.id, type: 'jami-plugin', private: updated.private === true });
    });
  }
  if (deps.feeds) router.use(feedApiRoutes({ feeds: deps.feeds, publicUrl: deps.publicUrl, actor: tokenActor }));
  if (deps.chromium) router.use(chromiumApiRoutes({ ...deps.chromium, publicUrl: deps.publicUrl, actor: tokenActor }));
  if (deps.vpn) router.use(vpnApiRoutes({ ...deps.vpn, actor: tokenActor }));
  return router;
}
