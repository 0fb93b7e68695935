import { PackageError } from './package-errors.ts';

/**
 * An update URL written into a manifest (em:updateURL, Chromium's update_url): the client fetches
 * it as is, years later, so it must be an absolute http(s) address.
 */
export function checkUpdateUrl(url: string): void {
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(url).protocol);
  } catch {
    ok = false;
  }
  // Whitespace and controls would be trimmed or mangled by the client's parser.
  if (!ok || /[\s\u0000-\u001f\u007f]/.test(url)) {
    throw new PackageError('UPDATE_URL_INVALID', `"${url}" is not an absolute http(s) URL. Give the full address of the update manifest.`);
  }
}
