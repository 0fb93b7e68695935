import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServerUrl, publishEndpoint, UploadError, uploadPackage, type UploadRequest } from '../../../src/cli/upload-client.ts';
import { multipartFrame } from '../../../src/cli/upload-forms.ts';
import { closedPort, publishedAnswer, sendJson, startFakeServer, type FakeServer } from '../../helpers/fake-publish-server.ts';
import { rsaKey, selfSignedCertificate } from '../../helpers/pkcs12-fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'outpost-upload-'));
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(...args: Parameters<typeof startFakeServer>): Promise<FakeServer> {
  const s = await startFakeServer(...args);
  servers.push(s);
  return s;
}

function randomFile(name: string, size: number): { file: string; sha256: string } {
  const data = randomBytes(size);
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return { file, sha256: createHash('sha256').update(data).digest('hex') };
}

async function uploadError(req: UploadRequest): Promise<UploadError> {
  const err = await uploadPackage(req).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UploadError);
  return err as UploadError;
}

describe('server URL handling', () => {
  it('joins the API path onto a base address with or without a path prefix', () => {
    expect(publishEndpoint(parseServerUrl('https://example.org')).href).toBe('https://example.org/api/v1/packages');
    expect(publishEndpoint(parseServerUrl('https://example.org/outpost')).href).toBe('https://example.org/outpost/api/v1/packages');
    expect(publishEndpoint(parseServerUrl('https://example.org/outpost/')).href).toBe('https://example.org/outpost/api/v1/packages');
    expect(publishEndpoint(parseServerUrl('http://127.0.0.1:8080/a/b/')).href).toBe('http://127.0.0.1:8080/a/b/api/v1/packages');
  });

  it.each(['example.org', 'localhost:8080', 'ftp://example.org/', 'https://user:pw@example.org/', 'https://example.org/?x=1', 'http://'])(
    'refuses %s',
    (text) => {
      expect(() => parseServerUrl(text)).toThrow(expect.objectContaining({ code: 'UPLOAD_BAD_SERVER_URL' }));
    },
  );
});

describe('multipart framing', () => {
  it('adds an RFC 5987 filename* for names that are not plain ASCII', () => {
    const plain = multipartFrame('B', 'addon-1.0.xpi', {}).head.toString();
    expect(plain).toContain('name="package"; filename="addon-1.0.xpi"\r\n');
    expect(plain).not.toContain('filename*');
    const odd = multipartFrame('B', 'Ünï "q".xpi', {}).head.toString();
    expect(odd).toContain(`filename="_n_ _q_.xpi"; filename*=UTF-8''%C3%9Cn%C3%AF%20%22q%22.xpi`);
  });
});

describe('uploadPackage', () => {
  it('streams the exact bytes as the request body, with the token, and the file name and text field in the query', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const { file, sha256 } = randomFile('addon-1.2.xpi', 5 * 1024 * 1024 + 123);
    const seen: number[] = [];
    const answer = await uploadPackage({
      server: srv.url,
      token: 'tok-123',
      file,
      fields: { updateInfoURL: 'https://example.org/notes/1.2.html' },
      onProgress: (sent) => seen.push(sent),
    });
    expect(answer.status).toBe(201);
    expect(answer.sha256).toBe(sha256);
    expect(answer.body).toMatchObject({ sha256, size: 5 * 1024 * 1024 + 123 });
    const [got] = srv.received;
    expect(got?.headers.authorization).toBe('Bearer tok-123');
    expect(got?.headers['content-type']).toBe('application/octet-stream');
    expect(got?.file).toEqual({ field: '', name: 'addon-1.2.xpi', mimeType: 'application/octet-stream', size: 5 * 1024 * 1024 + 123, sha256 });
    expect(got?.fields).toEqual({ updateInfoURL: 'https://example.org/notes/1.2.html' });
    // Progress rises to exactly the Content-Length the server was promised.
    expect(seen.length).toBeGreaterThan(10);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(Number(got?.headers['content-length']));
  });

  it('posts under the server path prefix and keeps a non-ASCII file name intact', async () => {
    const srv = await server((got, res) => sendJson(res, 200, publishedAnswer(got)), { prefix: '/outpost/' });
    const { file, sha256 } = randomFile('Ünïcødé add-on.jpl', 1000);
    const answer = await uploadPackage({ server: srv.url.replace(/\/$/, ''), token: 't', file });
    expect(answer.status).toBe(200);
    expect(srv.received[0]?.path).toBe(`/outpost/api/v1/packages?name=${encodeURIComponent('Ünïcødé add-on.jpl').replace(/%20/g, '+')}`);
    expect(srv.received[0]?.file).toMatchObject({ name: 'Ünïcødé add-on.jpl', mimeType: 'application/octet-stream', sha256 });
    expect(srv.received[0]?.fields).toEqual({});
  });

  it('sends multipart when the fields are too long for a query (long release notes)', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const { file, sha256 } = randomFile('addon-1.3.xpi', 100_000);
    const notes = 'Fixed it. '.repeat(500);
    const answer = await uploadPackage({ server: srv.url, token: 't', file, fields: { releaseNotes: notes } });
    expect(answer.status).toBe(201);
    expect(srv.received).toHaveLength(1);
    expect(srv.received[0]).toMatchObject({ form: 'multipart', fields: { releaseNotes: notes } });
    expect(srv.received[0]?.file).toEqual({ field: 'package', name: 'addon-1.3.xpi', mimeType: 'application/x-xpinstall', size: 100_000, sha256 });
  });

  it('falls back to multipart when a server from before the body form answers PACKAGE_MISSING', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)), { multipartOnly: true });
    const { file, sha256 } = randomFile('addon-1.4.xpi', 300_000);
    const answer = await uploadPackage({ server: srv.url, token: 't', file, fields: { updateInfoURL: 'https://example.org/1.4' } });
    expect(answer).toMatchObject({ status: 201, sha256 });
    expect(srv.received.map((r) => r.headers['content-type']?.split(';')[0])).toEqual(['application/octet-stream', 'multipart/form-data']);
    expect(srv.received[1]).toMatchObject({ fields: { updateInfoURL: 'https://example.org/1.4' }, file: { name: 'addon-1.4.xpi', sha256 } });
  });

  it('returns error answers as they are, JSON or not', async () => {
    const srv = await server((_got, res) => {
      res.writeHead(413, { 'Content-Type': 'text/html' }).end('<html><head><title>413 Request Entity Too Large</title></head></html>');
    });
    const answer = await uploadPackage({ server: srv.url, token: 't', file: randomFile('a.xpi', 100).file });
    expect(answer).toMatchObject({ status: 413, body: undefined });
    expect(answer.rawBody).toContain('413 Request Entity Too Large');
  });

  it.each([
    ['keeps the connection open and reading', false],
    ['closes the connection', true],
  ])('stops sending and reports the answer when a proxy refuses early and %s', async (_how, closeAfter) => {
    // A raw socket server like nginx with client_max_body_size: it answers 413 from the headers
    // alone, then either keeps reading what still comes or closes.
    let bodyBytes = 0;
    let headerDone = false;
    let socketGone!: () => void;
    const gone = new Promise<void>((resolve) => (socketGone = resolve));
    const proxy = net.createServer((socket) => {
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        if (headerDone) {
          bodyBytes += chunk.length;
          return;
        }
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headerDone = true;
        bodyBytes += head.length - end - 4;
        const page = '<html><head><title>413 Request Entity Too Large</title></head></html>';
        const connection = closeAfter ? 'Connection: close\r\n' : '';
        socket.write(`HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n${connection}\r\n${page}`);
        if (closeAfter) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', socketGone);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) });
    const size = 64 * 1024 * 1024;
    const file = path.join(dir, 'big-refused.xpi');
    writeFileSync(file, '');
    truncateSync(file, size);
    const answer = await uploadPackage({ server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`, token: 't', file });
    expect(answer.status).toBe(413);
    expect(answer.rawBody).toContain('413 Request Entity Too Large');
    expect(answer.sha256).toBeUndefined();
    await gone;
    expect(bodyBytes).toBeLessThan(size / 2);
  });

  it('does not hold the package in memory (128 MB upload, RSS grows by well under 40 MB)', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const sparse = (name: string, size: number): string => {
      const file = path.join(dir, name);
      writeFileSync(file, '');
      truncateSync(file, size); // zeros, instant to create
      return file;
    };
    // A first upload warms up buffers, sockets and compiled code, so the baseline below is honest.
    await uploadPackage({ server: srv.url, token: 't', file: sparse('warm-up.xpi', 16 * 1024 * 1024) });
    const size = 128 * 1024 * 1024;
    const file = sparse('big.xpi', size);
    const before = process.memoryUsage().rss;
    let peak = before;
    let nextSample = 0;
    const answer = await uploadPackage({
      server: srv.url,
      token: 't',
      file,
      onProgress: (sent) => {
        if (sent < nextSample) return;
        nextSample = sent + 1024 * 1024;
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    expect(answer.status).toBe(201);
    expect(srv.received[1]?.file?.size).toBe(size);
    const zeros = createHash('sha256');
    for (let i = 0; i < 128; i++) zeros.update(Buffer.alloc(1024 * 1024));
    expect(answer.sha256).toBe(zeros.digest('hex'));
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('fails with UPLOAD_FILE_CHANGED when the file grows or shrinks during the upload', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const grow = randomFile('grow.xpi', 2 * 1024 * 1024).file;
    let touched = false;
    const onGrow = (sent: number): void => {
      if (touched || sent < 200_000) return;
      touched = true;
      appendFileSync(grow, 'more');
    };
    expect((await uploadError({ server: srv.url, token: 't', file: grow, onProgress: onGrow })).code).toBe('UPLOAD_FILE_CHANGED');
    // The file's last byte was held back: the server never had a complete body it could publish.
    expect(srv.received[0]?.file).toBeUndefined();

    const shrink = randomFile('shrink.xpi', 4 * 1024 * 1024).file;
    let cut = false;
    const onShrink = (sent: number): void => {
      if (cut || sent < 200_000) return;
      cut = true;
      truncateSync(shrink, 1024 * 1024);
    };
    expect((await uploadError({ server: srv.url, token: 't', file: shrink, onProgress: onShrink })).code).toBe('UPLOAD_FILE_CHANGED');
  });

  it('reports a closed port as UPLOAD_CONNECTION_FAILED', async () => {
    const port = await closedPort();
    const err = await uploadError({ server: `http://127.0.0.1:${port}/`, token: 't', file: randomFile('c.xpi', 10).file });
    expect(err.code).toBe('UPLOAD_CONNECTION_FAILED');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('reports an untrusted certificate and TLS to a plain-HTTP port as UPLOAD_TLS_FAILED', async () => {
    const key = rsaKey(2048);
    const cert = selfSignedCertificate(key, '127.0.0.1');
    const tls = https.createServer({ key: key.export({ type: 'pkcs8', format: 'pem' }), cert: `-----BEGIN CERTIFICATE-----\n${cert.toString('base64')}\n-----END CERTIFICATE-----\n` }, (_req, res) => res.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => tls.close(() => resolve())) });
    const file = randomFile('t.xpi', 10).file;
    const untrusted = await uploadError({ server: `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`, token: 't', file });
    expect(untrusted.code).toBe('UPLOAD_TLS_FAILED');

    const plain = await server(() => undefined);
    const wrongScheme = await uploadError({ server: plain.url.replace('http:', 'https:'), token: 't', file });
    expect(wrongScheme.code).toBe('UPLOAD_TLS_FAILED');
  });

  it('gives up with UPLOAD_TIMEOUT when the server never answers', async () => {
    const srv = await server(() => undefined); // reads the body, then says nothing
    const err = await uploadError({ server: srv.url, token: 't', file: randomFile('slow.xpi', 1000).file, idleTimeoutMs: 300 });
    expect(err.code).toBe('UPLOAD_TIMEOUT');
  });

  it('reports a missing file as UPLOAD_FILE_UNREADABLE without connecting', async () => {
    const err = await uploadError({ server: 'http://127.0.0.1:9/', token: 't', file: path.join(dir, 'nope.xpi') });
    expect(err.code).toBe('UPLOAD_FILE_UNREADABLE');
  });
});
