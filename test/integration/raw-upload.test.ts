/**
 * The body form of POST /api/v1/packages (Content-Type: application/octet-stream, ?name=…): what
 * `outpost publish` sends. The refusals that only a live connection can show are here: a declared
 * size refused before any byte is read, a chunked body cut off at the limit, a body that breaks
 * off. Each must leave the private tmp folder empty. (The hostile corpus has the rest: names,
 * query parameters, content types, encodings.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ID = 'body-form@example.org';
const MiB = 1024 * 1024;

const xpi = (version: string) =>
  buildXpi({ 'install.rdf': installRdf({ id: ID, version, targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }), 'content/x.js': `// ${version}\n` });

async function post(server: TestServer, query: string, body: Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1/packages?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream', ...headers },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * A request over a bare socket: `head` as given, then `send` writes (or withholds) the body. Ends
 * with the first complete JSON answer, or when the connection closes.
 */
function rawExchange(server: TestServer, head: string, send: (socket: net.Socket) => void): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(head);
      send(socket);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.endsWith('}}')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
  });
}

function requestHead(server: TestServer, headers: string): string {
  return `POST /api/v1/packages?name=big.xpi HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/octet-stream\r\n${headers}\r\n`;
}

/** Removal may trail a broken connection by a moment; a leftover must not survive it. */
async function tmpEmpty(server: TestServer): Promise<string[]> {
  const deadline = Date.now() + 2000;
  let left = readdirSync(server.outpost.layout.tmpDir);
  while (left.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = readdirSync(server.outpost.layout.tmpDir);
  }
  return left;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ maxUploadMb: 1 });
  expect(readdirSync(server.outpost.layout.tmpDir)).toEqual([]);
});
afterAll(() => server.close());

describe('the body form of the upload', () => {
  it('publishes the body as the package, with the query fields, and answers the same bytes again with 200', async () => {
    const bytes = await xpi('1.0');
    const first = await post(server, `name=addon-1.0.xpi&updateInfoURL=${encodeURIComponent('https://example.org/notes/1.0')}`, bytes);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: ID, version: '1.0', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    const served = Buffer.from(await (await fetch(first.body.links.download)).arrayBuffer());
    expect(served.equals(bytes)).toBe(true);
    const details = await (await fetch(`${server.url}/api/v1/addons/${ID}`, { headers: { authorization: `Bearer ${server.token}` } })).json();
    expect(details.versions[0].updateInfoURL).toBe('https://example.org/notes/1.0');

    expect((await post(server, 'name=again.xpi', bytes)).status).toBe(200);
    expect(await tmpEmpty(server)).toEqual([]);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    // No body byte is ever sent: the answer can only come from the headers.
    const answer = await rawExchange(server, requestHead(server, `Content-Length: ${4 * MiB}\r\n`), () => undefined);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"UPLOAD_TOO_LARGE"');
    expect(await tmpEmpty(server)).toEqual([]);
  });

  it('reads on after an early refusal, so a client that asked to close still gets the answer', async () => {
    // Node's client without an agent says `Connection: close`. Had the server closed right after
    // its answer with the body unread, the reset would often have thrown the answer away.
    const bigFile = path.join(server.dir, 'big.xpi');
    writeFileSync(bigFile, randomBytes(8 * MiB));
    const statuses: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await new Promise((resolve) => {
          const req = request(`${server.url}/api/v1/packages?name=big.xpi`, {
            method: 'POST',
            agent: false,
            headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream', 'content-length': 8 * MiB },
          });
          req.on('response', (res) => {
            resolve(res.statusCode ?? 0);
            req.destroy();
          });
          req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
          // Read from a file as it is sent, as `outpost publish` does.
          void (async () => {
            for await (const chunk of createReadStream(bigFile, { highWaterMark: 64 * 1024 })) {
              if (req.destroyed) return;
              if (!req.write(chunk)) await new Promise((next) => req.once('drain', next));
            }
          })().catch(() => undefined);
        }),
      );
    }
    expect(statuses).toEqual([413, 413, 413, 413, 413]);
  });

  it('cuts a chunked body off at the limit and removes what was written', async () => {
    const chunk = randomBytes(256 * 1024);
    const answer = await rawExchange(server, requestHead(server, 'Transfer-Encoding: chunked\r\n'), (socket) => {
      for (let i = 0; i < 8; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`, 'latin1');
      socket.write('0\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"UPLOAD_TOO_LARGE"');
    expect(await tmpEmpty(server)).toEqual([]);
  });

  it('leaves no temp file when the client goes away in the middle of the body', async () => {
    await rawExchange(server, requestHead(server, `Content-Length: ${MiB}\r\n`), (socket) => {
      socket.write(randomBytes(300 * 1024), () => setTimeout(() => socket.destroy(), 100));
    });
    expect(await tmpEmpty(server)).toEqual([]);
  });

  it('removes the staged body of a package it refuses', async () => {
    const refused = await post(server, 'name=junk.xpi', Buffer.from('not a zip at all'));
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'ZIP_INVALID' } } });
    expect(await tmpEmpty(server)).toEqual([]);
  });
});
