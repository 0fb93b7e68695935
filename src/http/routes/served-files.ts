import path from 'node:path';
import express, { Router, type Response } from 'express';
import { CACHE_FILES, CACHE_MANIFESTS, servedType } from '../../catalog/served-headers.ts';
import { dataKeys } from '../../storage/data-keys.ts';
import { publicKeyOf, type PublicSender } from '../public-objects.ts';

/**
 * What browsers poll in folder mode: the public tree, straight from disk (ETag, Last-Modified, 304 and ranges
 * come from express.static). Query strings that clients add to update URLs are ignored.
 */
export function servedFiles(publicDir: string, vpnIndexes: readonly { prefix: string; dir: string }[] = []): Router {
  const router = Router();
  const options = (cacheControl: string) => ({
    dotfiles: 'deny' as const,
    index: false as const,
    redirect: false,
    fallthrough: true,
    cacheControl: false,
    setHeaders(res: Response, file: string) {
      res.setHeader('Content-Type', servedType(file));
      res.setHeader('Cache-Control', cacheControl);
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  router.use('/updates', express.static(path.join(publicDir, 'updates'), options(CACHE_MANIFESTS)));
  router.use('/files', express.static(path.join(publicDir, 'files'), options(CACHE_FILES)));
  for (const vpn of vpnIndexes) router.use(vpn.prefix, express.static(vpn.dir, options(CACHE_MANIFESTS)));
  return router;
}

/**
 * The same paths from a bucket deployment's store (public-objects.ts): each request path maps to
 * one object key, or to nothing (a 404, or the routes after this one such as /updates/<id>?…).
 */
export function storedFiles(send: PublicSender, vpnPrefixes: readonly string[] = []): Router {
  const router = Router();
  const mount = (prefix: string, base: string, minDepth = 1) =>
    router.use(prefix, (req, res, next) => {
      const key = req.method === 'GET' || req.method === 'HEAD' ? publicKeyOf(base, req.path) : undefined;
      if (key && key.split('/').length - base.split('/').length >= minDepth) send(req, res, next, key);
      else next();
    });
  // Documents are <id>/…/update.*: /updates/<id> alone is an update query, never worth a bucket read.
  mount('/updates', 'public/updates', 2);
  mount('/files', 'public/files');
  for (const prefix of vpnPrefixes) mount(prefix, dataKeys.vpnIndex(prefix).slice(0, -1));
  return router;
}
