import type { IncomingHttpHeaders } from 'node:http';

/** What a server answered, as the upload and API clients hand it over. */
export interface ServerAnswer {
  status: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  rawBody: string;
  headers: IncomingHttpHeaders;
}

/** Server text goes to a terminal: no control characters (escape sequences), bounded length. */
export function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').slice(0, 1000);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Outpost answers every error as `{ "error": { "code", "message" } }`; anything else came from something else. */
export function outpostError(body: unknown): { code: string; message: string } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code: clean(code), message: clean(message) };
}

/** An HTML page's <title>, or the first line of a text answer. */
function shortText(raw: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1];
  const text = title ?? (looksLikeHtml(raw) ? '' : (raw.split('\n').find((l) => l.trim()) ?? ''));
  return clean(text).trim().slice(0, 120);
}

function looksLikeHtml(raw: string): boolean {
  return /^\s*<(!doctype|html|head|body|title)/i.test(raw) || /<[a-z!][^>]*>/i.test(raw.slice(0, 2000));
}

/** "an HTML page (Sign in)", "JSON without Outpost's error shape", …: what came back instead. */
export function describeAnswer(answer: ServerAnswer): string {
  const hint = shortText(answer.rawBody);
  if (answer.rawBody.trim() === '') return 'with an empty body';
  if (answer.body !== undefined) return 'with JSON that is not an Outpost answer';
  if (looksLikeHtml(answer.rawBody)) return `with an HTML page${hint ? ` ("${hint}")` : ''}`;
  return `with text${hint ? ` ("${hint}")` : ''}`;
}

/** `/admin` is where people copy the address from; the API lives beside it, not under it. */
function serverHint(server: URL): string {
  const admin = /\/admin(\/|$)/.test(server.pathname);
  return `--server must be Outpost's base address (the public URL, with its path prefix${admin ? ', without /admin' : ''})`;
}

/**
 * Why the server refused: Outpost's own words when it answered with its JSON error, else a reason
 * from the status and the kind of answer. A sign-in redirect, an HTML page or a 404 that is not
 * Outpost's JSON mean the address is not an Outpost API at all (e.g. --server …/admin).
 */
export function refusalReason(answer: ServerAnswer, endpoint: URL, server: URL, what: string): string {
  const { status } = answer;
  const own = outpostError(answer.body);
  if (own) return `${own.message} [${own.code}]`;
  const location = answer.headers.location;
  if (status >= 300 && status < 400 && location) {
    const target = new URL(location, endpoint);
    if (/\/(login|signin|sign-in)\b|\/admin(\/|$)/i.test(target.pathname)) {
      return `${endpoint.href} is not an Outpost API: it redirects to a sign-in page (${clean(target.origin + target.pathname)}); ${serverHint(server)}`;
    }
    const base = target.href.replace(/api\/v1\/.*$/, '');
    return `the server redirected to ${clean(base)}; use that address as --server`;
  }
  switch (status) {
    case 413:
      return `the server refused the ${what} as too large (a proxy in front of Outpost may have its own limit)`;
    case 429:
      return 'too many requests: the server (or a proxy) asks to wait before trying again';
    case 502:
    case 503:
    case 504:
      return 'the server is not available right now (a proxy answered for it)';
  }
  if (status >= 500) {
    const hint = shortText(answer.rawBody);
    return `the server failed${hint ? `: ${hint}` : ''}`;
  }
  return `${endpoint.href} is not an Outpost API: it answered ${describeAnswer(answer)}; ${serverHint(server)}`;
}
