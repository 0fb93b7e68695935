import path from 'node:path';
import { Router, type Request } from 'express';
import { pluginObject, versionsForArch, type PluginRecord, type PluginVersion } from '../../jami-store/plugin-record.ts';
import { jamiFileKey } from '../../app/jami-visibility.ts';
import type { PublicSender, SendOptions } from '../public-objects.ts';
import { IMAGE_CSP, servedType } from '../../catalog/served-headers.ts';
import type { PluginStore } from '../../storage/plugin-store.ts';
import { ApiError } from '../api-error.ts';

/**
 * The Jami Extension Store API (jami-jpl.md §5), answered only from stored, already-verified
 * metadata, so one broken file can never make the listing fail. Any non-2xx is "store
 * unavailable" to the client, and /versions and /details answer 404 — never [] — for an unknown
 * plugin, because the client reads element 0 unchecked.
 */
export type PluginSource = Pick<PluginStore, 'get' | 'list'>;

export interface JamiStoreOptions {
  /** A feed's (private); else the public store's. */
  cacheControl?: string;
}

/**
 * `plugins(req)`: the plugins this request may see — the public ones, or what a feed grants
 * (every other id is unknown, exactly).
 */
export function jamiStoreRoutes(pluginsFor: (req: Request) => PluginSource, send: PublicSender, options: JamiStoreOptions = {}): Router {
  const router = Router();
  const cache = options.cacheControl ? { cacheControl: options.cacheControl } : {};
  const arch = (req: Request) => (typeof req.query.arch === 'string' && req.query.arch !== '' ? req.query.arch : undefined);
  const lang = (req: Request) => req.get('accept-language');

  const newest = (req: Request, id: string, archName = arch(req)): { record: PluginRecord; version: PluginVersion } => {
    const record = pluginsFor(req).get(id);
    const version = record ? versionsForArch(record, archName)[0] : undefined;
    if (!record || !version) throw new ApiError('NOT_FOUND', `No plugin ${id}${archName ? ` for ${archName}` : ''}.`);
    return { record, version };
  };

  router.get('/', (req, res) => {
    const list = pluginsFor(req)
      .list()
      .map((record) => ({ record, version: versionsForArch(record, arch(req))[0] }))
      .filter((p): p is { record: PluginRecord; version: PluginVersion } => p.version !== undefined)
      .map(({ record, version }) => pluginObject(record, version, lang(req)))
      .sort((a, b) => a.name.localeCompare(b.name));
    res.json(list);
  });

  router.get('/details/:id', (req, res) => {
    const { record, version } = newest(req, String(req.params.id));
    res.json(pluginObject(record, version, lang(req)));
  });

  router.get('/versions/:id', (req, res) => {
    const record = pluginsFor(req).get(String(req.params.id));
    const versions = record ? versionsForArch(record, arch(req)) : [];
    if (!record || versions.length === 0) throw new ApiError('NOT_FOUND', `No plugin ${String(req.params.id)}.`);
    res.json(versions.map((v) => pluginObject(record, v, lang(req))));
  });

  router.get('/download/:arch/:id', (req, res, next) => {
    const id = String(req.params.id);
    const { record, version } = newest(req, id, String(req.params.arch));
    send(req, res, next, jamiFileKey(record, version.file), { ...jamiDownload(id), ...cache });
  });

  for (const [route, field] of [['/icons/:id', 'icon'], ['/backgrounds/:id', 'background']] as const) {
    router.get(route, (req, res, next) => {
      const id = String(req.params.id);
      const { record, version } = newest(req, id);
      const image = version[field];
      if (!image) throw new ApiError('NOT_FOUND', `${id} has no ${field}.`);
      res.set('Content-Security-Policy', IMAGE_CSP);
      send(req, res, next, jamiFileKey(record, image.file), { contentType: image.contentType, ...cache });
    });
  }
  return router;
}

/** The client saves the download as <id>.jpl. */
export function jamiDownload(id: string): SendOptions {
  return { contentType: 'application/octet-stream', disposition: `attachment; filename="${id}.jpl"` };
}

/**
 * A public object of a folder deployment (a plugin's .jpl, icon or background) by res.sendFile,
 * as the store API has always answered them (ETag, Last-Modified, ranges, max-age=0).
 */
export function folderSender(pathOf: (key: string) => string): PublicSender {
  return (_req, res, _next, key, options = {}) => {
    const file = pathOf(key);
    res.setHeader('Content-Type', options.contentType ?? servedType(file));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (options.disposition) res.setHeader('Content-Disposition', options.disposition);
    if (options.cacheControl) res.setHeader('Cache-Control', options.cacheControl);
    res.sendFile(path.basename(file), { root: path.dirname(file), dotfiles: 'deny', ...(options.cacheControl ? { cacheControl: false } : { maxAge: 0 }) });
  };
}
