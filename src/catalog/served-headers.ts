import path from 'node:path';

/**
 * The headers every public file is served with, by Express (routes/served-files.ts), by nginx
 * from disk (nginx/outpost.conf sets the same) and from a bucket (object metadata, written by
 * the object store). One table, so the three cannot drift apart.
 */

/** MIME types clients expect (update-protocols.md §7). */
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

/** Jami plugin icons and backgrounds, XPI and Chromium icons (their routes send the type their record names). */
const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/**
 * Packages never change once published; manifests change with every publish. The VPN index
 * folder is all manifest: `<id>.rcc` keeps its name when new bytes replace it.
 */
export const CACHE_FILES = 'public, max-age=31536000, immutable';
export const CACHE_MANIFESTS = 'public, max-age=60';
/**
 * Everything under /feeds/<token>/: for the one holder of the URL, never a shared cache's to keep
 * (the secret is in the path, and a revoked feed must stop answering).
 */
export const CACHE_FEED = 'private, max-age=60';
export const CACHE_FEED_FILES = 'private, max-age=31536000, immutable';
/** What the Jami store API answers its files with (express sendFile, maxAge 0). */
const CACHE_JAMI = 'public, max-age=0';
/**
 * Every image a route serves (XPI, Chromium and Jami icons, Jami backgrounds). A Jami plugin's icon
 * may be an SVG, which a browser opened on it directly would run as a document of Outpost's origin
 * (with the admin's cookies): sandboxed, with nothing allowed to load, it runs no script.
 */
export const IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
/** An icon stops being served when its version is withdrawn: caches keep it an hour at most. */
export const CACHE_ICONS = 'public, max-age=3600';

export function servedType(file: string): string {
  const ext = path.posix.extname(file).toLowerCase();
  return SERVED_TYPES[ext] ?? 'application/octet-stream';
}

/** Content-Type and Cache-Control of an object under public/ (its key without "public/"). */
export function publicHeaders(publicPath: string): { contentType: string; cacheControl: string } {
  const top = publicPath.split('/')[0];
  if (top === 'files') return { contentType: servedType(publicPath), cacheControl: CACHE_FILES };
  if (top === 'icons') return { contentType: IMAGE_TYPES[path.posix.extname(publicPath).toLowerCase()] ?? 'application/octet-stream', cacheControl: CACHE_ICONS };
  if (top === 'jami') return { contentType: IMAGE_TYPES[path.posix.extname(publicPath).toLowerCase()] ?? servedType(publicPath), cacheControl: CACHE_JAMI };
  // updates/ and the VPN index folder (OUTPOST_VPN_PREFIX): documents that change.
  return { contentType: servedType(publicPath), cacheControl: CACHE_MANIFESTS };
}
