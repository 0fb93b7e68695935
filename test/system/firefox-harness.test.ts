import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebExtensionXpi, liveProcessesInGroup, runFirefoxUpdateCheck, type FirefoxRun } from '../helpers/firefox.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * Proves the Firefox harness against a hand-written update.json (update-protocols.md §4) served by
 * a bare node:http server, before Outpost itself serves one. Each case gets its own feed path so
 * the request log shows what that Firefox fetched.
 */
const firefoxPresent = requireTool('firefox-esr');
const ADDON_ID = 'harness-check@outpost.test';
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe.skipIf(!firefoxPresent)('Firefox ESR harness: a real add-on update check against update.json', () => {
  let server: Server;
  let base: string;
  let newXpi: Buffer;
  const requests: string[] = [];
  /** update_hash per feed path; the feed at /<feed>/update.json offers 2.0 with that hash. */
  const feeds: Record<string, string> = {};
  const runs: FirefoxRun[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const feed = /^\/([a-z-]+)\/update\.json$/.exec(req.url ?? '')?.[1];
      if (feed && feeds[feed]) {
        const update = {
          version: '2.0',
          update_link: `${base}/files/${ADDON_ID}-2.0.xpi?feed=${feed}`,
          update_hash: feeds[feed],
          applications: { gecko: { strict_min_version: '115.0' } },
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ addons: { [ADDON_ID]: { updates: [update] } } }));
      } else if (req.url === '/hang/update.json') {
        // Never answered (closed in afterAll): the check cannot end before the harness gives up.
        res.flushHeaders();
      } else if (req.url?.startsWith(`/files/${ADDON_ID}-2.0.xpi`)) {
        res.writeHead(200, { 'content-type': 'application/x-xpinstall', 'content-length': newXpi.length });
        res.end(newXpi);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The new version's own update_url does not matter to this check; keep it on the same feed.
    newXpi = await buildWebExtensionXpi({ id: ADDON_ID, version: '2.0', updateUrl: `${base}/good/update.json` });
    const oldXpi = await buildWebExtensionXpi({ id: ADDON_ID, version: '1.0', updateUrl: `${base}/good/update.json` });
    feeds.good = sha256(newXpi);
    feeds['timer-good'] = sha256(newXpi);
    // A well-formed hash of other bytes: what a server would send after a file was swapped.
    feeds['wrong-hash'] = sha256(oldXpi);
  });

  afterEach(async () => {
    // Whatever happened in the test, no Firefox of this run may survive it.
    for (const run of runs.splice(0)) {
      if (run.pgid !== undefined) expect(liveProcessesInGroup(run.pgid)).toEqual([]);
      await rm(run.profileDir, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function check(feed: string, opts: { expectVersion?: string; marionette?: boolean; timeoutMs?: number } = {}): Promise<FirefoxRun> {
    const xpi = await buildWebExtensionXpi({ id: ADDON_ID, version: '1.0', updateUrl: `${base}/${feed}/update.json` });
    const run = await runFirefoxUpdateCheck({ xpi, addonId: ADDON_ID, timeoutMs: 45_000, ...opts });
    runs.push(run);
    return run;
  }

  const fetched = (feed: string): string[] => requests.filter((r) => r.includes(`/${feed}/update.json`) || r.includes(`feed=${feed}`));

  it('installs 2.0 when update_hash matches the XPI (check triggered through Marionette)', async () => {
    const run = await check('good', { expectVersion: '2.0' });
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '2.0', active: true });
    expect(fetched('good')).toEqual([`GET /good/update.json`, `GET /files/${ADDON_ID}-2.0.xpi?feed=good`]);
    // Marionette made it fast; the timer alone would need over 10 s.
    expect(run.log).toMatch(/backgroundUpdateCheck: done/);
  }, 60_000);

  it('keeps 1.0 when update_hash does not match the downloaded XPI', async () => {
    const run = await check('wrong-hash');
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '1.0', active: true });
    // Firefox did download the file, so 1.0 is the hash check's doing, not a missed check.
    expect(fetched('wrong-hash')).toEqual([`GET /wrong-hash/update.json`, `GET /files/${ADDON_ID}-2.0.xpi?feed=wrong-hash`]);
    // The reason is in the browser console, which the log must carry (its wording is Firefox's).
    const browserConsole = run.log.split('--- browser console ---')[1]?.split('--- firefox stdout/stderr ---')[0] ?? '';
    expect(browserConsole).toContain(`${ADDON_ID}-2.0.xpi?feed=wrong-hash`);
  }, 60_000);

  it('falls back to the update timer when Marionette is not used', async () => {
    const run = await check('timer-good', { expectVersion: '2.0', marionette: false });
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '2.0', active: true });
    expect(fetched('timer-good')).toHaveLength(2);
  }, 60_000);

  it('gives up at timeoutMs and still leaves no Firefox process behind', async () => {
    // A feed that never answers, not a 404: Firefox finishes a failed check in about a second,
    // which would race the 1.5 s limit; an open request cannot finish before the harness gives up.
    const run = await check('hang', { timeoutMs: 1500 });
    expect(run.log).toMatch(/gave up/);
    // afterEach checks the group is empty; a group that never existed would prove nothing.
    expect(run.pgid).toBeGreaterThan(0);
  }, 30_000);
});
