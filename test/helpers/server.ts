import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openOutpost, type FirstRun, type Outpost } from '../../src/app/outpost.ts';
import { loadConfig } from '../../src/config.ts';
import { prepareToServe } from '../../src/app/startup.ts';
import { createRequestListener } from '../../src/http/app.ts';
import { answerClientErrors } from '../../src/http/client-errors.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';

export interface TestServer {
  url: string;
  dir: string;
  outpost: Outpost;
  firstRun: FirstRun;
  /** The first-run API token (publishes with the "default" key). */
  token: string;
  updateKey: string;
  close(): Promise<void>;
}

/**
 * Starts the real app on 127.0.0.1 with a free port and a scratch data folder. The public URL is
 * the real address, so the links in manifests can be fetched as a client would.
 */
export async function startServer(options: { dir?: string; env?: NodeJS.ProcessEnv; maxUploadMb?: number; log?: (line: string) => void; around?: (objects: ObjectStore) => ObjectStore } = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'outpost-srv-'));
  // Bind first so the public URL can name the real port.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const env = {
    OUTPOST_DATA: path.join(dir, 'storage'),
    OUTPOST_KEYS: path.join(dir, 'keys'),
    OUTPOST_KEY_PASSPHRASE: 'test passphrase',
    OUTPOST_PUBLIC_URL: url,
    OUTPOST_MAX_UPLOAD_MB: String(options.maxUploadMb ?? 16),
    ...options.env,
  };
  const config = loadConfig(env, dir);
  // `log`: every line the server logs (at info), for tests of what logs must never carry.
  const logger = options.log ? pino({ level: 'info' }, { write: options.log }) : pino({ level: 'silent' });
  const { outpost, firstRun } = await openOutpost(config, logger, options.around);
  await prepareToServe(outpost);
  server.on('request', createRequestListener(outpost));
  answerClientErrors(server);
  const keyName = (await outpost.keys.list())[0]!.name;
  return {
    url,
    dir,
    outpost,
    firstRun,
    token: firstRun.token ?? '',
    updateKey: (await outpost.keys.info(keyName)).updateKey,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await outpost.close();
    },
  };
}

/** POSTs a package the way `outpost publish` and curl -F do. */
export async function publish(server: { url: string }, token: string | undefined, xpi: Buffer, fields: Record<string, string> = {}, field = 'package') {
  const form = new FormData();
  form.set(field, new Blob([new Uint8Array(xpi)]), 'addon.xpi');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(`${server.url}/api/v1/packages`, {
    method: 'POST',
    body: form,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/**
 * A plain GET through node:http. fetch() cannot test conditional requests: per the Fetch spec it
 * adds `Cache-Control: no-cache` whenever If-None-Match is set.
 */
export async function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
