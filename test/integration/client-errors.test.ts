import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './hostile/hostile-case.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Requests Node's parser refuses still get their status, not a reset connection. */
describe('requests refused before the app', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('answers 431 to every over-long request head, even while the client is still sending', async () => {
    for (let i = 0; i < 40; i++) {
      const size = i % 2 ? 100_000 : 17 * 1024;
      const answer = await rawRequest(server.url, `/chromium/updates.xml?x=${'a'.repeat(size)}`);
      expect(answer.status).toBe(431);
    }
    // The server is still there for everyone else.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers 400 to a malformed request line', async () => {
    const { port } = new URL(server.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
