/**
 * Whether an update URL written in a package reaches this add-on on this server, in any of the
 * forms the README gives: update.rdf or update.json, per application or platform, the adaptive
 * `/updates/<id>?…` and `/update?id=…`, with the id raw, percent-encoded or as %ITEM_ID%.
 */

/** Decodes %XX escapes and leaves everything else (client placeholders like %APP_ID%) as written. */
function decodeEscapes(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

const DOCUMENT = /^update\.(?:rdf|json)$/;

function namesAddon(value: string | undefined, id: string): boolean {
  return value !== undefined && (decodeEscapes(value) === id || value === '%ITEM_ID%');
}

export function updateUrlReachesAddon(updateUrl: string, publicUrl: string, id: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(updateUrl);
    base = new URL(publicUrl);
  } catch {
    return false;
  }
  if (url.origin !== base.origin) return false;
  const prefix = base.pathname.replace(/\/+$/, '');
  if (!url.pathname.startsWith(`${prefix}/`)) return false;
  const parts = url.pathname.slice(prefix.length + 1).split('/');
  // The query keeps its placeholders: URLSearchParams would decode `%APP_ID%` into garbage.
  const query = new Map(url.search.replace(/^\?/, '').split('&').map((pair) => {
    const cut = pair.indexOf('=');
    return cut < 0 ? [pair, ''] : [pair.slice(0, cut), pair.slice(cut + 1)];
  }));
  if (parts[0] === 'update' && parts.length === 1) return namesAddon(query.get('id'), id);
  if (parts[0] !== 'updates' || !namesAddon(parts[1], id)) return false;
  const rest = parts.slice(2);
  if (rest.length === 0) return true; // the adaptive /updates/<id>?…
  // update.{rdf,json} directly, or under <app>/ or <app>/<platform>/ (ids there may be placeholders).
  return rest.length <= 3 && DOCUMENT.test(rest[rest.length - 1]!);
}
