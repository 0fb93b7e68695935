import { parseCertificate } from '../jami/certificate.ts';
import { JamiError } from '../jami/jami-errors.ts';
import { buildOcspRequest } from '../jami/ocsp.ts';
import type { RevocationFetchers } from '../jami/revocation.ts';

/**
 * The network side of revocation checking, injected into verifyJpl by the app layer: a CRL GET and
 * an OCSP POST (RFC 6960 appendix A), each with a short timeout and a size cap. The URLs come from
 * certificates that already chained to a trusted CA (verifyJpl checks revocation last), and only
 * http and https are followed.
 */
export interface RevocationFetchOptions {
  /** Per request, including reading the body (default 5 s). */
  timeoutMs?: number;
  /** Largest CRL accepted (default 10 MiB) and largest OCSP response (default 1 MiB). */
  maxCrlBytes?: number;
  maxOcspBytes?: number;
}

const DEFAULTS = { timeoutMs: 5000, maxCrlBytes: 10 * 1024 * 1024, maxOcspBytes: 1024 * 1024 };

function unavailable(url: string, why: string, cause?: unknown): JamiError {
  return new JamiError('JPL_REVOCATION_UNAVAILABLE', `${url} could not be reached: ${why}.`, { cause });
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw unavailable(url, 'it is not a valid URL', err);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw unavailable(url, 'only http and https URLs are followed');
}

async function readCapped(response: Response, url: string, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw unavailable(url, `the answer is ${declared} bytes, more than ${maxBytes}`);
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    length += chunk.byteLength;
    if (length > maxBytes) throw unavailable(url, `the answer is larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, length);
}

async function request(url: string, init: RequestInit, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  checkUrl(url);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal, redirect: 'follow' });
    if (!response.ok) throw unavailable(url, `it answered HTTP ${response.status}`);
    return await readCapped(response, url, maxBytes);
  } catch (err) {
    if (err instanceof JamiError) throw err;
    const timedOut = signal.aborted;
    throw unavailable(url, timedOut ? `no answer within ${timeoutMs} ms` : (err as Error).message, err);
  }
}

export async function fetchCrl(url: string, options: RevocationFetchOptions = {}): Promise<Buffer> {
  const { timeoutMs, maxCrlBytes } = { ...DEFAULTS, ...options };
  return request(url, { method: 'GET', headers: { accept: 'application/pkix-crl, */*' } }, maxCrlBytes, timeoutMs);
}

/** POSTs an OCSP request about `certDer` (issued by `issuerDer`); resolves to the DER response. */
export async function checkOcsp(certDer: Buffer, issuerDer: Buffer, url: string, options: RevocationFetchOptions = {}): Promise<Buffer> {
  const { timeoutMs, maxOcspBytes } = { ...DEFAULTS, ...options };
  const body = buildOcspRequest(parseCertificate(certDer), parseCertificate(issuerDer));
  return request(
    url,
    { method: 'POST', headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, body: new Uint8Array(body) },
    maxOcspBytes,
    timeoutMs,
  );
}

/** Both fetchers with the same options, ready to pass to verifyJpl. */
export function revocationFetchers(options: RevocationFetchOptions = {}): Required<RevocationFetchers> {
  return {
    fetchCrl: (url) => fetchCrl(url, options),
    checkOcsp: (cert, issuer, url) => checkOcsp(cert, issuer, url, options),
  };
}
