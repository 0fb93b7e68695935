import { OutpostError } from '../errors.ts';
import { connectionError } from './upload-client.ts';

export type FetchErrorCode = 'FETCH_URL_REFUSED' | 'FETCH_FAILED' | 'FETCH_TIMEOUT' | 'FETCH_TOO_LARGE' | 'FETCH_STATUS';

/** A document named by URL on the command line could not be had. */
export class FetchError extends OutpostError<FetchErrorCode> {}

/** A manifest is a few KB; a few MB is already an unusual one, and a hostile server must not fill memory. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
export const FETCH_TIMEOUT_MS = 30_000;

/** `scheme://…` names a URL rather than a file (a file so named can be given as ./name). */
export function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/**
 * GETs an http(s) document, following redirects as update clients do (fetch follows only http and
 * https ones), within a size limit and an overall time limit. Returns the bytes and the final URL,
 * which relative URIs in the document resolve against.
 */
export async function fetchDocument(
  text: string,
  options: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<{ bytes: Buffer; url: string }> {
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new FetchError('FETCH_URL_REFUSED', `${text}: only http:// and https:// URLs are fetched; give a local file by its path`);
  }
  if (url.username || url.password) throw new FetchError('FETCH_URL_REFUSED', `${url.host}: a URL with a user name or password is not fetched`);
  const signal = AbortSignal.timeout(timeoutMs);
  const tooSlow = (): FetchError => new FetchError('FETCH_TIMEOUT', `${url.href} did not arrive within ${Math.round(timeoutMs / 1000)} s`);
  const tooLarge = (): FetchError => new FetchError('FETCH_TOO_LARGE', `${url.href} is larger than ${maxBytes} bytes; that is no update manifest`);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow', headers: { Accept: 'application/rdf+xml, text/xml, application/xml, */*;q=0.5' } });
  } catch (err) {
    if (signal.aborted) throw tooSlow();
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new FetchError('FETCH_FAILED', connectionError(cause, url).message, { cause: err });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new FetchError('FETCH_STATUS', `${res.url || url.href} answered HTTP ${res.status}`);
  }
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof FetchError) throw err;
    if (signal.aborted) throw tooSlow();
    throw new FetchError('FETCH_FAILED', `${url.host} broke off the answer: ${(err as Error).message}`, { cause: err });
  }
  return { bytes: Buffer.concat(chunks), url: res.url || url.href };
}
