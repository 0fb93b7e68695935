import path from 'node:path';
import express, { Router, type Response } from 'express';
import { CACHE_FILES, CACHE_MANIFESTS, servedType } from '../../catalog/served-headers.ts';

/**
 * What browsers poll: the public tree, straight from disk (ETag, Last-Modified, 304 and ranges
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
