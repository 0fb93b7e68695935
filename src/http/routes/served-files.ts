import path from 'node:path';
import express, { Router, type Response } from 'express';

/** MIME types clients expect (update-protocols.md §7); nginx/outpost.conf sets the same. */
export const SERVED_TYPES: Record<string, string> = {
  '.xpi': 'application/x-xpinstall',
  '.rdf': 'text/xml; charset=utf-8',
  '.xml': 'text/xml; charset=utf-8',
  '.json': 'application/json',
  '.jpl': 'application/octet-stream',
  '.crx': 'application/x-chrome-extension',
  '.sig': 'application/octet-stream',
  // Mozilla VPN add-ons (Qt binary resources); the client checks their sha256, not their type.
  '.rcc': 'application/octet-stream',
};

/**
 * Packages never change once published; manifests change with every publish. The VPN index
 * folder is all manifest: `<id>.rcc` keeps its name when new bytes replace it.
 */
export const CACHE_FILES = 'public, max-age=31536000, immutable';
export const CACHE_MANIFESTS = 'public, max-age=60';

/**
 * What browsers poll: the public tree, straight from disk (ETag, Last-Modified, 304 and ranges
 * come from express.static). Query strings that clients add to update URLs are ignored.
 */
export function servedFiles(publicDir: string, vpn?: { prefix: string; dir: string }): Router {
  const router = Router();
  const options = (cacheControl: string) => ({
    dotfiles: 'deny' as const,
    index: false as const,
    redirect: false,
    fallthrough: true,
    cacheControl: false,
    setHeaders(res: Response, file: string) {
      res.setHeader('Content-Type', SERVED_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
      res.setHeader('Cache-Control', cacheControl);
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  router.use('/updates', express.static(path.join(publicDir, 'updates'), options(CACHE_MANIFESTS)));
  router.use('/files', express.static(path.join(publicDir, 'files'), options(CACHE_FILES)));
  if (vpn) router.use(vpn.prefix, express.static(vpn.dir, options(CACHE_MANIFESTS)));
  return router;
}
