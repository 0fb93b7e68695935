/**
 * kill -9 in the middle of mixed load, again and again, on one data folder. After every restart:
 * each publish that was answered 201 is served and audited exactly once, withdrawn versions are not
 * served, no temp file survives, and every file in the public tree belongs to a served version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.mjs');
const ID = 'killed@example.org';
const ROUNDS = 6;
const PER_ROUND = 8;

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

async function start(dir: string): Promise<{ url: string; token: string | undefined }> {
  child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: '0', OUTPOST_LOG_LEVEL: 'warn', OUTPOST_KEY_PASSPHRASE: 'kill test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    // Ready once it listens and, on a first start, has printed the whole secrets block.
    const check = () => (/listening on http/.test(out) && (!/First start/.test(out) || /\n=+\n/.test(out)) ? resolve() : undefined);
    child!.stdout!.on('data', (c: Buffer) => ((out += c), check()));
    child!.stderr!.on('data', (c: Buffer) => (out += c));
    child!.once('exit', () => reject(new Error(`server ended:\n${out}`)));
  });
  return { url: /listening on (http:\/\/\S+)/.exec(out)![1]!, token: /\n {2}(opt_\S+)/.exec(out)?.[1] };
}

function kill(): Promise<void> {
  const c = child!;
  child = undefined;
  return new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

const xpi = (version: string) =>
  buildXpi({ 'install.rdf': installRdf({ id: ID, version, name: 'Killed', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });

async function post(url: string, token: string, version: string): Promise<number> {
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(await xpi(version))]), 'a.xpi');
  const res = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
  return res?.status ?? 0;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('kill -9 during mixed load', () => {
  it(`keeps every acknowledged change across ${ROUNDS} kills`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outpost-kill-'));
    const storage = path.join(dir, 'storage');
    let { url, token } = await start(dir);
    const secret = token!;
    const acknowledged = new Set<string>();
    const withdrawn = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const versions = Array.from({ length: PER_ROUND }, (_, i) => `${round + 1}.${i}`);
      // All in flight at once; the kill lands after the third answer, whatever is still running.
      let answers = 0;
      let killed: Promise<void> | undefined;
      await Promise.all(versions.map(async (v) => {
        const status = await post(url, secret, v);
        if (status === 201) acknowledged.add(v);
        if (++answers === 3) killed = kill();
      }));
      // A withdraw answered before the kill must stay withdrawn.
      await killed;
      ({ url } = await start(dir));
      const first = [...acknowledged].find((v) => !withdrawn.has(v));
      if (first) {
        const res = await fetch(`${url}/api/v1/addons/${ID}/versions/${first}`, { method: 'DELETE', headers: { authorization: `Bearer ${secret}` } });
        if (res.status === 200) withdrawn.add(first);
      }
    }
    await kill();
    ({ url } = await start(dir));

    const served = new Set<string>((await (await fetch(`${url}/updates/${ID}/update.json`)).json()).addons[ID].updates.map((u: { version: string }) => u.version));
    for (const v of acknowledged) expect(served.has(v), `acknowledged ${v} served`).toBe(!withdrawn.has(v));
    const audit = readFileSync(path.join(storage, 'private/audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const published = audit.filter((e) => e.action === 'publish' && e.target === ID).map((e) => e.details.version as string);
    for (const v of acknowledged) expect(published.filter((p) => p === v), `audit entries for ${v}`).toHaveLength(1);
    // Whatever was not acknowledged either landed completely (served and audited) or not at all.
    for (const v of served) expect(published, `served ${v} audited`).toContain(v);
    expect(walk(path.join(storage, 'private/tmp'))).toEqual([]);
    expect(walk(storage).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(walk(path.join(storage, 'private/intents'))).toEqual([]);
    const files = walk(path.join(storage, 'public/files')).map((f) => path.basename(f));
    expect(files.sort()).toEqual([...served].map((v) => `${ID}-${v}.xpi`).sort());
  }, 180_000);
});
