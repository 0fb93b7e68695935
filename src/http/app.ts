import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dataKeys, FEED_FILE_PREFIXES } from '../storage/data-keys.ts';
import type { Outpost } from '../app/outpost.ts';
import { ManifestCache, withManifestFastPath, type ManifestSource } from './manifest-fast-path.ts';
import { StoreManifestCache } from './manifest-store-cache.ts';
import { objectSender, storeSender, type PublicSender } from './public-objects.ts';
import { feedRoutes } from './routes/feeds.ts';
import { FeedAnswers } from '../app/feed-answers.ts';
import type { CollectionSources } from './collection-view.ts';
import type { CollectionMember } from '../storage/collection-store.ts';
import { adminRouter, type AdminOptions } from './admin/router.ts';
import { apiRoutes, type ApiDeps } from './routes/api.ts';
import { servedFiles, storedFiles } from './routes/served-files.ts';
import { updateQueryRoutes } from './routes/update-queries.ts';
import { releaseNotesRoutes } from './routes/release-notes.ts';
import { collectionRoutes } from './routes/collections.ts';
import { folderSender, jamiStoreRoutes } from './routes/jami-store.ts';
import { publicCatalogRoutes } from './routes/public-catalog.ts';
import { PublicCatalog } from '../app/public-catalog.ts';
import { publicAddons, publicRecords, shown } from '../app/public-view.ts';
import { chromiumVersionsForDisplay } from './chromium-view.ts';
import { chromiumUpdateRoutes } from './routes/chromium-updates.ts';
import type { UpdateQueryService } from '../app/update-queries.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { redactRequest, redactResponse } from './log-redaction.ts';
import { sentBodyCounter } from './sent-bodies.ts';
import { bodyBytesPassed } from '../storage/body-garbage.ts';

export interface AppDeps extends ApiDeps {
  /** /updates, /files and the VPN indexes: express.static on the data folder, or the bucket's store. */
  servedFiles: Router;
  /** The Jami Extension Store API, mounted at its prefix. */
  jamiStore?: { prefix: string; router: Router };
  /** GET /chromium/updates.xml, Chromium's update check. */
  chromiumUpdates?: Router;
  /** Public collection pages and JSON (/collections/<name>). */
  collections?: Router;
  /** Private feeds (/feeds/<token>/…): the secret prefix before the public layout. */
  feedRoutes?: Router;
  /** The public catalog (/catalog); absent when OUTPOST_CATALOG=off, so its URLs answer 404. */
  publicCatalog?: Router;
  updateQueries: UpdateQueryService;
  logger: Logger;
  /** The admin interface needs the whole instance; without it only API and files are served. */
  admin?: Router;
}

/** The Express app, not listening: main.ts listens, tests drive it on a free port. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind the shipped nginx config, client addresses arrive in X-Forwarded-For.
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      // Wrapped around pino's standard serializers: tokens, cookies and secret query values never reach a log line.
      serializers: { req: redactRequest, res: redactResponse },
    }),
  );

  app.use(sentBodyCounter(bodyBytesPassed));
  app.get('/healthz', (_req, res) => {
    // No count of add-ons: anyone may ask, and a count that grows while the catalog does not
    // would tell that a private add-on was just published.
    res.json({ ok: true });
  });
  if (deps.feedRoutes) app.use(deps.feedRoutes);
  app.use(deps.servedFiles);
  app.use(updateQueryRoutes(deps.updateQueries));
  app.use(releaseNotesRoutes(publicAddons(deps.catalog)));
  if (deps.jamiStore) app.use(deps.jamiStore.prefix, deps.jamiStore.router);
  if (deps.chromiumUpdates) app.use(deps.chromiumUpdates);
  if (deps.collections) app.use(deps.collections);
  if (deps.publicCatalog) app.use(deps.publicCatalog);
  app.use('/api/v1', apiRoutes(deps));
  if (deps.admin) {
    app.use('/admin', deps.admin);
    app.get('/', (_req, res) => res.redirect(302, '/admin/'));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Outpost update server. Manifests: /updates/<id>/update.rdf, packages: /files/<id>/<file>, API: /api/v1.\n');
    });
  }
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/** The app for a running instance, wired from what openOutpost() built. */
export function createOutpostApp(outpost: Outpost, adminOptions: AdminOptions = {}): Express {
  return createApp({
    publish: outpost.publish,
    versions: outpost.versions,
    packages: outpost.packages,
    catalog: outpost.catalog,
    tokens: outpost.tokens,
    tmpDir: outpost.layout.tmpDir,
    maxUploadBytes: outpost.config.maxUploadBytes,
    publicUrl: outpost.config.publicUrl,
    chromium: { records: outpost.chromiumRecords, changes: outpost.chromiumVersions },
    vpn: { channels: outpost.vpnChannels },
    feeds: outpost.feeds,
    jamiVisibility: outpost.jamiVisibility,
    plugins: outpost.plugins,
    servedFiles: outpost.config.bucket
      ? storedFiles(publicSender(outpost), outpost.vpnChannels.map((c) => c.prefix))
      : servedFiles(outpost.layout.publicDir, outpost.vpnChannels.map((c) => ({ prefix: c.prefix, dir: outpost.layout.vpnIndexDir(c.prefix) }))),
    updateQueries: outpost.updateQueries,
    jamiStore: { prefix: outpost.config.jami.prefix, router: jamiStoreRoutes(() => publicRecords(outpost.plugins), publicSender(outpost)) },
    chromiumUpdates: chromiumUpdateRoutes(outpost.chromium),
    collections: collectionRoutes(outpost.collectionRecords, {
      ...collectionSources(outpost),
      addon: (id) => publicAddons(outpost.catalog).get(id),
      chromium: (id) => shown(outpost.chromiumRecords.get(id)),
      jami: (id) => shown(outpost.plugins.get(id)),
      hidden: (m) => privateMember(outpost, m) || inPrivateChannel(outpost, m),
    }),
    feedRoutes: feedRoutesFor(outpost),
    ...(outpost.config.publicCatalog ? { publicCatalog: publicCatalogFor(outpost) } : {}),
    logger: outpost.logger,
    admin: adminRouter(outpost, adminOptions),
  });
}

/** /feeds/<token>/…: documents rendered per feed, packages from public/ or private/feed-files/. */
export function feedRoutesFor(outpost: Outpost): Router {
  return feedRoutes({
    answers: new FeedAnswers({
      feeds: outpost.feeds,
      catalog: outpost.catalog,
      chromium: { records: outpost.chromiumRecords, service: outpost.chromium },
      plugins: outpost.plugins,
      collections: outpost.collectionRecords,
      documentOptions: (record) => outpost.manifests.documentOptions(record),
      publicUrl: outpost.config.publicUrl,
      memory: outpost.memory,
      vpn: outpost.vpnChannels,
    }),
    send: outpost.config.bucket ? objectSender(outpost.objects, (key) => FEED_FILE_PREFIXES.some((p) => key.startsWith(p)) || isVpnFeedKey(outpost, key)) : publicSender(outpost),
    collectionSources: collectionSources(outpost),
  });
}

/** A private add-on, extension or plugin: strangers must not even see it named. */
function privateMember(outpost: Outpost, m: CollectionMember): boolean {
  const record = m.kind === 'addon' ? outpost.catalog.get(m.id) : m.kind === 'chromium' ? outpost.chromiumRecords.get(m.id) : m.kind === 'jami' ? outpost.plugins.get(m.id) : undefined;
  return record?.private === true;
}

/** A VPN channel's index files, in its public folder or its private one: what a VPN feed sends. */
function isVpnFeedKey(outpost: Outpost, key: string): boolean {
  return outpost.vpnChannels.some((c) => key.startsWith(dataKeys.vpnFeedIndex(c.name)) || key.startsWith(dataKeys.vpnIndex(c.prefix)));
}

/**
 * A VPN member of a private channel: left out of every collection page, a feed's too (its links
 * are the public prefix's, which answers 404; the channel's own feeds serve it).
 */
function inPrivateChannel(outpost: Outpost, m: CollectionMember): boolean {
  if (m.kind !== 'vpn') return false;
  const channel = m.channel === undefined ? outpost.vpnChannels[0] : outpost.vpnChannels.find((c) => c.name === m.channel);
  return channel?.visibility.isPrivate() === true;
}

/** What collection pages read; a feed's see every member but private VPN channels', the public ones only public add-ons. */
function collectionSources(outpost: Outpost): CollectionSources {
  return {
    publicUrl: outpost.config.publicUrl,
    jamiPrefix: outpost.config.jami.prefix,
    hidden: (m) => inPrivateChannel(outpost, m),
    addon: (id) => outpost.catalog.get(id),
    chromium: (id) => outpost.chromiumRecords.get(id),
    jami: (id) => outpost.plugins.get(id),
    vpn: outpost.vpnChannels,
  };
}

/** The public catalog's pages, over every store; VPN add-ons of the production index only. */
export function publicCatalogFor(outpost: Outpost): Router {
  const production = outpost.vpnChannels[0]!;
  return publicCatalogRoutes({
    catalog: new PublicCatalog({
      catalog: outpost.catalog,
      plugins: publicRecords(outpost.plugins),
      chromium: publicRecords(outpost.chromiumRecords),
      chromiumNewest: (r) => chromiumVersionsForDisplay(r).find((v) => !v.withdrawnAt),
      // A private channel is served only through its feeds.
      vpn: { list: () => (production.visibility.isPrivate() ? [] : production.records.list()) },
      jamiPrefix: outpost.config.jami.prefix,
    }),
    addon: (id) => publicAddons(outpost.catalog).get(id),
    jami: (id) => shown(outpost.plugins.get(id)),
    chromium: (id) => shown(outpost.chromiumRecords.get(id)),
    vpn: (id) => (production.visibility.isPrivate() ? undefined : production.records.get(id)),
    send: publicSender(outpost),
    detail: {
      publicUrl: outpost.config.publicUrl,
      jamiPrefix: outpost.config.jami.prefix,
      vpnIndexUrl: production.service.links('').index,
      rccUrl: (id) => production.service.links(id).rcc,
    },
  });
}

/** How public objects other than express.static's are sent: from the data folder, or the bucket. */
function publicSender(outpost: Outpost): PublicSender {
  return outpost.config.bucket ? storeSender(outpost.objects) : folderSender((key) => outpost.layout.pathOf(key));
}

export type RequestListener = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /**
   * Drops what is kept of a served document (by object key, "public/updates/<id>/update.rdf").
   * This instance's writes call it; a change feed from other instances may call it too.
   */
  invalidate(key: string): void;
};

/**
 * What a server listens with: the manifest fast path in front of the full app. In folder mode it
 * reads documents synchronously from the data folder (they stay until written again); in bucket
 * mode asynchronously from the store, each kept DOCUMENT_TTL_MS at most.
 */
export function createRequestListener(outpost: Outpost, adminOptions: AdminOptions = {}): RequestListener {
  let cache: ManifestSource;
  if (outpost.config.bucket) {
    const store = new StoreManifestCache(outpost.objects, outpost.memory);
    // Another instance changed an add-on (the change feed re-read its record): its documents here are stale.
    outpost.catalog.onChange((id) => store.invalidatePrefix(dataKeys.documents(id)));
    cache = store;
  } else {
    cache = new ManifestCache(outpost.layout.publicDir, outpost.memory);
  }
  outpost.manifests.onWrite((key) => cache.invalidate(key));
  const listener = withManifestFastPath(cache, createOutpostApp(outpost, adminOptions), outpost.updateQueries);
  return Object.assign(listener, { invalidate: (key: string) => cache.invalidate(key) });
}
