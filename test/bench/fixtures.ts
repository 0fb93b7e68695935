import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { ZipFile } from 'yazl';
import { openOutpost, type Outpost } from '../../src/app/outpost.ts';
import { loadConfig } from '../../src/config.ts';
import { buildXpi, FIREFOX_ID, FIXED_MTIME, installRdf } from '../helpers/build-xpi.ts';

export const PASSPHRASE = 'outpost bench passphrase';
/**
 * The public URL of data folders that several server runs share: start-up re-renders every
 * document when it changes, so those runs all pass this one instead of their own address.
 */
export const FIXED_PUBLIC_URL = 'http://127.0.0.1:8080';

/** A data folder that has been through a first start (key + token), copied for every server run. */
export interface Template {
  storage: string;
  keysDir: string;
  token: string;
}

function envFor(storage: string, keysDir: string): NodeJS.ProcessEnv {
  return { OUTPOST_DATA: storage, OUTPOST_KEYS: keysDir, OUTPOST_KEY_PASSPHRASE: PASSPHRASE, OUTPOST_PUBLIC_URL: FIXED_PUBLIC_URL };
}

/** Opens the app in-process on a data folder (no HTTP), as the server's composition root does. */
export async function openInProcess(storage: string, keysDir: string): Promise<{ outpost: Outpost; token?: string }> {
  const env = envFor(storage, keysDir);
  const { outpost, firstRun } = await openOutpost(loadConfig(env, path.dirname(storage)), pino({ level: 'silent' }));
  return { outpost, ...(firstRun.token ? { token: firstRun.token } : {}) };
}

/** The first start happens once, in-process: key generation is not what the benchmarks measure. */
export async function makeTemplate(dir: string): Promise<Template> {
  const storage = path.join(dir, 'storage');
  const keysDir = path.join(dir, 'keys');
  const { outpost, token } = await openInProcess(storage, keysDir);
  // Releases the data-folder lock, which would otherwise travel into every copy of the template.
  await outpost.close();
  if (!token) throw new Error('the first start did not create a token');
  return { storage, keysDir, token };
}

/** A fresh copy of the template's data folder as `<dir>/storage` (keys stay shared: they are only read). */
export async function cloneStorage(template: Template, dir: string): Promise<string> {
  const storage = path.join(dir, 'storage');
  await cp(template.storage, storage, { recursive: true });
  return storage;
}

/** The four applications of the "40 versions × 4 applications" add-on the issue measured. */
export const BENCH_APPS = {
  firefox: FIREFOX_ID,
  thunderbird: '{3550f703-e582-4d05-9a08-453d09bdfdc6}',
  seamonkey: '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}',
  paleMoon: '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}',
} as const;

/**
 * Version 1.<i> of an add-on for all four applications, each range moving up with i as real
 * histories do (so appVersions select different subsets).
 */
export function rangedXpi(id: string, i: number): Promise<Buffer> {
  const targets = [
    { id: BENCH_APPS.firefox, minVersion: `${45 + i * 2}.0`, maxVersion: `${60 + i * 2}.*` },
    { id: BENCH_APPS.thunderbird, minVersion: `${52 + i * 2}.0`, maxVersion: `${68 + i * 2}.*` },
    { id: BENCH_APPS.seamonkey, minVersion: `2.${40 + i}`, maxVersion: `2.${45 + i}.*` },
    { id: BENCH_APPS.paleMoon, minVersion: `${25 + Math.floor(i / 4)}.0`, maxVersion: `${28 + Math.floor(i / 4)}.*` },
  ];
  return buildXpi({ 'install.rdf': installRdf({ id, version: `1.${i}`, name: 'Bench ranged add-on', targets }), 'x.js': `// ${id} 1.${i}\n` });
}

/** One publish through the HTTP API, timed from request to parsed answer (ms). */
export async function publishOverHttp(url: string, token: string, xpi: Buffer): Promise<number> {
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(xpi)]), 'bench.xpi');
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  const elapsed = performance.now() - t0;
  if (res.status !== 201) throw new Error(`publish failed: HTTP ${res.status} ${body}`);
  return elapsed;
}

export function smallXpi(id: string, version: string): Promise<Buffer> {
  return buildXpi({
    'install.rdf': installRdf({ id, version, name: `Bench add-on ${id}`, targets: [{ id: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }] }),
    'chrome.manifest': 'content bench content/\noverlay chrome://browser/content/browser.xul chrome://bench/content/overlay.xul\n',
    'content/overlay.js': `// ${id} ${version}\n${'window.addEventListener("load", () => console.log("bench"));\n'.repeat(20)}`,
  });
}

/** Random bytes, generated as they are read: at most one chunk exists at a time. */
function randomStream(bytes: number, chunk = 1 << 20): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(chunk, left);
      left -= n;
      this.push(randomBytes(n));
    },
  });
}

/**
 * A valid legacy XPI of about `bytes` bytes: install.rdf plus incompressible random files, stored
 * (not deflated) the way large media-heavy add-ons are. Written as a stream, never held in memory.
 */
export async function writeLargeXpi(file: string, opts: { id: string; version: string; bytes: number }): Promise<void> {
  const zip = new ZipFile();
  const rdf = installRdf({ id: opts.id, version: opts.version, name: 'Bench large add-on', targets: [{ id: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }] });
  zip.addBuffer(Buffer.from(rdf), 'install.rdf', { mtime: FIXED_MTIME });
  const PART = 16 << 20;
  for (let i = 0, left = opts.bytes - 4096; left > 0; i++, left -= PART) {
    const size = Math.min(PART, left);
    zip.addReadStream(randomStream(size), `content/media/blob-${String(i).padStart(3, '0')}.bin`, { mtime: FIXED_MTIME, compress: false, size });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}
