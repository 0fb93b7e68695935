/**
 * What request logs must never carry: API tokens (`Authorization: Bearer opt_…`), session and
 * sign-in cookies, private feeds' secrets (/feeds/<token>/…), and secrets in query strings (the admin upload form sends its CSRF token there).
 * Applied by the HTTP log serializers, whatever logger the app was given.
 */
export const REDACTED = '[redacted]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-csrf-token']);
const SECRET_PARAMS = new Set(['token', 'access_token', 'refresh_token', 'id_token', '_csrf', 'csrf', 'password', 'passphrase', 'secret', 'api_key', 'apikey']);
// An Outpost API token anywhere (a path segment, a value under an unexpected name…).
const API_TOKEN = /opt_[A-Za-z0-9_-]+/g;
// A private feed's secret is the path segment after /feeds/ (whatever its shape: a mistyped one
// may be a real one with a typo), wherever it appears: the path, or a value such as ?next=/feeds/….
const FEED_SECRET = /(\/feeds\/+)[^/?#&]*/gi;

function secretParam(name: string, value: string): boolean {
  return SECRET_PARAMS.has(name.toLowerCase()) || value.startsWith('opt_');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// A secret still there once the URL is percent-decoded: /%66eeds/<secret>/… and the like.
const FEED_SECRET_LEFT = /\/feeds\/+(?!\[redacted\])[^/?#&]/i;

/** The URL with secret query values replaced; everything else (path, order, encoding) as sent. */
export function redactUrl(sent: string): string {
  const url = sent.replace(FEED_SECRET, `$1${REDACTED}`);
  // An encoded spelling of /feeds/ never reaches a feed, but the secret in it may be real: such a
  // URL is not logged at all.
  if (FEED_SECRET_LEFT.test(decode(decode(url)))) return REDACTED;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(API_TOKEN, `opt_${REDACTED}`);
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair.replace(API_TOKEN, `opt_${REDACTED}`);
      const name = pair.slice(0, eq);
      return secretParam(decode(name), decode(pair.slice(eq + 1))) ? `${name}=${REDACTED}` : pair.replace(API_TOKEN, `opt_${REDACTED}`);
    })
    .join('&');
  return `${path}?${query}`;
}

/** A copy of the headers with secret ones replaced (the live object is never touched). */
export function redactHeaders(headers: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // A browser sends the page it came from: a feed's page, secret included.
    out[name] = SECRET_HEADERS.has(lower) ? REDACTED : lower === 'referer' && typeof value === 'string' ? redactUrl(value) : value;
  }
  return out;
}

function redactValues(values: unknown): unknown {
  if (!values || typeof values !== 'object') return values;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const secret = typeof value === 'string' ? secretParam(name, value) : SECRET_PARAMS.has(name.toLowerCase()) || JSON.stringify(value ?? '').includes('opt_');
    out[name] = secret ? REDACTED : value;
  }
  return out;
}

/** pino-http's serialized request (pino-std-serializers) → the same shape, secrets removed. */
export function redactRequest<T extends { url?: unknown; query?: unknown; params?: unknown; headers?: unknown }>(req: T): T {
  return {
    ...req,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    query: redactValues(req.query),
    params: redactValues(req.params),
    headers: redactHeaders(req.headers),
  };
}

/** pino-http's serialized response → the same shape without Set-Cookie. */
export function redactResponse<T extends { headers?: unknown }>(res: T): T {
  return { ...res, headers: redactHeaders(res.headers) };
}
