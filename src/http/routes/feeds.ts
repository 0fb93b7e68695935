import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AddonRecord } from '../../catalog/addon-record.ts';
import { CACHE_FEED, CACHE_FEED_FILES, SERVED_TYPES, servedType } from '../../catalog/served-headers.ts';
import type { FeedAnswers, OpenFeed } from '../../app/feed-answers.ts';
import type { PublicSender } from '../public-objects.ts';
import type { CollectionSources } from '../collection-view.ts';
import { updateQueryFrom } from './update-queries.ts';
import { rawQuery, sendGupdate } from './chromium-updates.ts';
import { sendCollection } from './collections.ts';
import { sendReleaseNotes } from './release-notes.ts';
import { CHROMIUM_UPDATE_DOCUMENT } from '../../app/chromium-publish.ts';
import { jamiStoreRoutes, type PluginSource } from './jami-store.ts';

export interface FeedRouteDeps {
  answers: FeedAnswers;
  /** Sends a package by object key (public/files/… or private/feed-files/…), with ETag, 304 and ranges. */
  send: PublicSender;
  /** Collection pages' sources; XPI members' links are put under the feed. */
  collectionSources: CollectionSources;
}

const feedOf = (res: Response): OpenFeed => res.locals.feed as OpenFeed;

/**
 * /feeds/<token>/…: what a private feed serves, the public URL layout under a secret prefix —
 * updates/<id>/… documents and the adaptive query, files/<id>/<file>, collections/<name>[.json],
 * a Chromium extension's updates/<id>/updates.xml and chromium/updates.xml?x=…, a Jami plugin's
 * store API under jami/, and a VPN channel's <prefix>/manifest.json, .sig and <id>.rcc.
 * An unknown, revoked or malformed secret, or anything the feed does not grant, falls through to
 * the same 404 as any unknown path. The secret never reaches a log (log-redaction.ts).
 */
export function feedRoutes(deps: FeedRouteDeps): Router {
  // Case-sensitive: /FEEDS/<secret> must not work, since nginx's ^~ /feeds/ (no access log)
  // would not take it and its log would keep the secret.
  const router = Router({ caseSensitive: true });
  const feed = Router({ caseSensitive: true });
  router.use(
    '/feeds/:token',
    (req, res, next) => {
      // A feed's pages link to this server's stylesheet and downloads: a Referer would carry the
      // secret into logs (this one's, nginx's) and to whoever a link leads to.
      res.setHeader('Referrer-Policy', 'no-referrer');
      const open = deps.answers.open(String(req.params.token));
      if (!open) return next('router');
      res.locals.feed = open;
      next();
    },
    feed,
  );

  const granted = async (res: Response, id: string): Promise<AddonRecord | undefined> => deps.answers.addon(feedOf(res), id);

  const sendDocument = (req: Request, res: Response, format: string, body: Buffer) => {
    res.setHeader('Content-Type', SERVED_TYPES[`.${format}`]!);
    res.setHeader('Cache-Control', CACHE_FEED);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // res.send adds the ETag and answers 304 to a matching If-None-Match.
    res.send(body);
  };

  const query = async (req: Request, res: Response, next: NextFunction, id: string | undefined) => {
    const record = id ? await granted(res, id) : undefined;
    if (!record) return next();
    const { format, body } = await deps.answers.query(feedOf(res), record, updateQueryFrom(req.query as Record<string, unknown>, id));
    sendDocument(req, res, format, body);
  };
  feed.get('/updates/:id', (req, res, next) => query(req, res, next, String(req.params.id)));
  feed.get('/update', (req, res, next) => query(req, res, next, typeof req.query.id === 'string' ? req.query.id : undefined));

  feed.get('/updates/:id/*doc', async (req, res, next) => {
    const id = String(req.params.id);
    const record = await granted(res, id);
    const path = (req.params as unknown as { doc: string[] }).doc.join('/');
    const body = record ? await deps.answers.document(feedOf(res), record, path) : undefined;
    if (body) return sendDocument(req, res, path.endsWith('.rdf') ? 'rdf' : 'json', body);
    // A Chromium extension's static updates.xml, as public/updates/<id>/updates.xml is.
    const extension = path === CHROMIUM_UPDATE_DOCUMENT ? deps.answers.chromiumRecord(feedOf(res), id) : undefined;
    if (!extension) return next();
    sendGupdate(res, deps.answers.chromiumDocument(feedOf(res), extension), CACHE_FEED);
  });

  // The shared gupdate check, answering only what the feed grants (every other id: noupdate, as unknown).
  feed.get('/chromium/updates.xml', (req, res, next) => {
    const body = deps.answers.chromiumCheck(feedOf(res), rawQuery(req));
    if (body === undefined) return next();
    sendGupdate(res, body, CACHE_FEED);
  });

  // Hosted release notes: a feed's documents link here (feed-answers.ts asServed).
  feed.get('/notes/:id/:version{/:locale}', async (req, res, next) => {
    if (!sendReleaseNotes(req, res, await granted(res, String(req.params.id)), CACHE_FEED)) next();
  });

  feed.get('/files/:id/:file', async (req, res, next) => {
    const id = String(req.params.id);
    const record = (await granted(res, id)) ?? deps.answers.chromiumRecord(feedOf(res), id);
    const key = record && deps.answers.packageKey(record, String(req.params.file));
    if (!key) return next();
    deps.send(req, res, next, key, { contentType: servedType(key), cacheControl: CACHE_FEED_FILES });
  });

  feed.get('/collections/:file', (req, res, next) => {
    const file = String(req.params.file);
    const json = file.endsWith('.json');
    const open = feedOf(res);
    const collection = deps.answers.collection(open, json ? file.slice(0, -'.json'.length) : file);
    if (!collection) return next();
    const sources: CollectionSources = { ...deps.collectionSources, addonUrl: open.base };
    sendCollection(res, collection, sources, json, `${open.base}/collections/${encodeURIComponent(collection.id)}.json`, CACHE_FEED);
  });

  // A Jami plugin's store API (list, details, versions, download, icons, backgrounds): a Jami
  // client pointed at <feed>/jami sees what the feed grants, private or not.
  const jami = jamiStoreRoutes((req) => (req.res!.locals.jamiPlugins as PluginSource), deps.send, { cacheControl: CACHE_FEED });
  feed.use(
    '/jami',
    (req, res, next) => {
      const plugins = deps.answers.jamiPlugins(feedOf(res));
      if (!plugins) return next('router');
      res.locals.jamiPlugins = plugins;
      res.setHeader('Cache-Control', CACHE_FEED);
      next();
    },
    jami,
  );

  // A VPN channel feed: <channel prefix>/manifest.json, manifest.json.sig and <id>.rcc. Not
  // immutable: an add-on's .rcc keeps its name when new bytes replace it.
  feed.get('/*path', (req, res, next) => {
    const keys = deps.answers.vpnKeys(feedOf(res), req.path);
    if (!keys) return next();
    const [current, other] = keys as [string, string];
    const options = { contentType: servedType(current), cacheControl: CACHE_FEED };
    deps.send(req, res, () => deps.send(req, res, next, other, options), current, options);
  });
  return router;
}
