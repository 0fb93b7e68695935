import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDocument } from '../../../src/cli/fetch-document.ts';

/** Asserts the coded error, not its wording. */
async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'FetchError', code });
}

const open: http.Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  })));
});

async function serve(handler: RequestListener): Promise<string> {
  const s = http.createServer(handler);
  open.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('fetchDocument', () => {
  it('fetches an http document, following a redirect, and reports the final URL', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(301, { Location: '/updates/update.rdf' }).end();
      else res.writeHead(200, { 'Content-Type': 'application/rdf+xml' }).end('<RDF/>');
    });
    const got = await fetchDocument(`${base}/old`);
    expect(got.bytes.toString()).toBe('<RDF/>');
    expect(got.url).toBe(`${base}/updates/update.rdf`);
  });

  it('refuses other schemes and credentials in the URL', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.org/update.rdf', 'data://text/plain,x', 'http://user:pw@example.org/u.rdf']) {
      await expectCode(fetchDocument(url), 'FETCH_URL_REFUSED');
    }
  });

  it('stops at the size limit, announced or not', async () => {
    const big = Buffer.alloc(1000, 'x');
    const announced = await serve((_req, res) => res.writeHead(200, { 'Content-Length': big.length }).end(big));
    await expectCode(fetchDocument(announced, { maxBytes: 999 }), 'FETCH_TOO_LARGE');
    const chunked = await serve((_req, res) => {
      res.writeHead(200);
      res.write(big);
      res.end(big);
    });
    await expectCode(fetchDocument(chunked, { maxBytes: 1500 }), 'FETCH_TOO_LARGE');
    expect((await fetchDocument(chunked, { maxBytes: 2000 })).bytes.length).toBe(2000);
  });

  it('gives up on a server that never answers, and reports error statuses', async () => {
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    const silent = await serve(() => asked());
    await expectCode(fetchDocument(silent, { timeoutMs: 200 }), 'FETCH_TIMEOUT');
    await requested;
    const missing = await serve((_req, res) => res.writeHead(404).end('no'));
    await expectCode(fetchDocument(`${missing}/u.rdf`), 'FETCH_STATUS');
  });
});
