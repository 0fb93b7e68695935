import { rm, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebExtensionXpi, liveProcessesInGroup, runGeckoUpdateCheck, type GeckoRun } from '../helpers/firefox.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * The real client: Debian's Thunderbird ESR, with an unsigned test WebExtension whose update_url
 * points at Outpost, checks for updates (triggered through Marionette) and installs what Outpost
 * serves (thunderbird-client.md). One case per URL form the README gives Thunderbird users.
 */
const thunderbirdPresent = requireTool('thunderbird');
const THUNDERBIRD_ID = '{3550f703-e582-4d05-9a08-453d09bdfdc6}';
const ADAPTIVE_QUERY =
  'reqVersion=%REQ_VERSION%&id=%ITEM_ID%&version=%ITEM_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&appOS=%APP_OS%&appABI=%APP_ABI%&compatMode=%COMPATIBILITY_MODE%';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type UrlForm = 'plain' | 'thunderbird' | 'adaptive';
const URL_FORMS: Record<UrlForm, (base: string, id: string) => string> = {
  // The Firefox row; what an add-on for both Firefox and Thunderbird carries.
  plain: (base, id) => `${base}/updates/${id}/update.json`,
  // The README's Thunderbird row, braces raw as the README writes them.
  thunderbird: (base, id) => `${base}/updates/${id}/${THUNDERBIRD_ID}/update.json`,
  adaptive: (base, id) => `${base}/updates/${id}?${ADAPTIVE_QUERY}`,
};

describe.skipIf(!thunderbirdPresent)('Thunderbird updates a WebExtension from Outpost', () => {
  let server: TestServer;
  const runs: GeckoRun[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    // Whatever happened in the test, no Thunderbird of this run may survive it.
    for (const run of runs.splice(0)) {
      if (run.pgid !== undefined) expect(liveProcessesInGroup(run.pgid)).toEqual([]);
      await rm(run.profileDir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await server?.close();
    if (server) await rm(server.dir, { recursive: true, force: true });
  });

  /** Publishes 1.0 and 2.0 through the API; returns 1.0's bytes and 2.0's download link. */
  async function publishVersions(id: string, updateUrl: string, v2: { strictMinVersion?: string } = {}) {
    const v1 = await buildWebExtensionXpi({ id, version: '1.0', updateUrl });
    const first = await publish(server, server.token, v1);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await publish(server, server.token, await buildWebExtensionXpi({ id, version: '2.0', updateUrl, ...v2 }));
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    return { v1, v2Link: second.body.links.download as string };
  }

  async function check(id: string, xpi: Buffer, expectVersion?: string): Promise<GeckoRun> {
    const run = await runGeckoUpdateCheck({ app: 'thunderbird', xpi, addonId: id, expectVersion, timeoutMs: 45_000 });
    runs.push(run);
    return run;
  }

  /** The add-on manager's own log lines (their wording is Thunderbird's). */
  const consoleOf = (run: GeckoRun): string => run.log.split('--- browser console ---')[1]?.split('--- thunderbird stdout/stderr ---')[0] ?? '';

  /** The update URL Thunderbird says it requested (its add-on manager's debug log). */
  const requestedUrl = (run: GeckoRun): URL | undefined => {
    const url = /Requesting (\S+)/.exec(consoleOf(run))?.[1];
    return url === undefined ? undefined : new URL(url);
  };

  it.each(Object.keys(URL_FORMS) as UrlForm[])('installs 2.0 over 1.0 through the %s update URL', async (form) => {
    const id = `tb-${form}@outpost.test`;
    const { v1, v2Link } = await publishVersions(id, URL_FORMS[form](server.url, id));
    const run = await check(id, v1, '2.0');
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '2.0', active: true });
    // Marionette started the check, not the ~10 s timer.
    expect(run.log).toMatch(/backgroundUpdateCheck: done/);
    expect(consoleOf(run)).toContain(`Download of ${v2Link} completed`);
    const requested = requestedUrl(run);
    expect(requested?.pathname, run.log).toBe(new URL(URL_FORMS[form](server.url, id)).pathname);
    if (form === 'adaptive') {
      // Outpost answered for Thunderbird as it identifies itself (thunderbird-client.md).
      const q = Object.fromEntries(requested!.searchParams);
      expect(q).toMatchObject({ reqVersion: '2', id, version: '1.0', appID: THUNDERBIRD_ID, compatMode: 'strict' });
      expect(q.appVersion).toMatch(/^\d+\.\d+/);
    }
  }, 60_000);

  it('keeps 1.0 when the served 2.0 package does not match its update_hash', async () => {
    const id = 'tb-badhash@outpost.test';
    const updateUrl = URL_FORMS.thunderbird(server.url, id);
    const { v1, v2Link } = await publishVersions(id, updateUrl);
    // Swap the published file for other bytes of the same id and version (a tampered mirror, a
    // broken copy): the manifest's hash, made at publish time, no longer matches what is served.
    const swapped = await buildWebExtensionXpi({ id, version: '2.0', updateUrl, name: 'not the published 2.0' });
    await writeFile(server.outpost.layout.filePath(id, `${id}-2.0.xpi`), swapped);
    expect(Buffer.from(await (await fetch(v2Link)).arrayBuffer())).toEqual(swapped);
    const run = await check(id, v1);
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '1.0', active: true });
    // Thunderbird did fetch the file and refused it for its hash, not for anything else.
    expect(consoleOf(run)).toMatch(new RegExp(`Download of ${escapeRegExp(v2Link)} failed: .*hash`));
    expect(consoleOf(run)).not.toContain(`Install of ${v2Link} completed`);
  }, 60_000);

  it.each(['thunderbird', 'adaptive'] as UrlForm[])('keeps 1.0 when 2.0 needs Thunderbird 999.0 (%s update URL)', async (form) => {
    const id = `tb-toonew-${form}@outpost.test`;
    const updateUrl = URL_FORMS[form](server.url, id);
    const { v1, v2Link } = await publishVersions(id, updateUrl, { strictMinVersion: '999.0' });
    if (form === 'thunderbird') {
      // The static document offers 2.0 with its range: here refusing it is Thunderbird's doing
      // (the adaptive answer already leaves 2.0 out for Thunderbird's version).
      const doc = (await (await fetch(updateUrl)).json()) as { addons: Record<string, { updates: { version: string; applications: unknown }[] }> };
      expect(doc.addons[id]?.updates.find((u) => u.version === '2.0')?.applications).toEqual({ gecko: { strict_min_version: '999.0' } });
    }
    const run = await check(id, v1);
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '1.0', active: true });
    // The check happened and found nothing it may install: 2.0 was never downloaded.
    expect(requestedUrl(run)?.pathname, run.log).toBe(new URL(updateUrl).pathname);
    expect(consoleOf(run)).toMatch(/Background update check complete/);
    expect(consoleOf(run)).not.toContain(v2Link);
  }, 60_000);
});
