import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebExtensionXpi, runFirefoxUpdateCheck } from '../helpers/firefox.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * The real client: Debian's Firefox ESR, with an unsigned test add-on whose update_url points at
 * Outpost, checks for updates and installs what Outpost serves (firefox-esr-client.md).
 */
const firefoxPresent = requireTool('firefox-esr');

describe.skipIf(!firefoxPresent)('Firefox ESR updates an add-on from Outpost', () => {
  let server: TestServer;
  const profiles: string[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(profiles.map((p) => rm(p, { recursive: true, force: true })));
  });

  async function publishVersions(id: string, updateUrl: string): Promise<Buffer> {
    const v1 = await buildWebExtensionXpi({ id, version: '1.0', updateUrl });
    const v2 = await buildWebExtensionXpi({ id, version: '2.0', updateUrl });
    for (const xpi of [v1, v2]) expect((await publish(server, server.token, xpi)).status).toBe(201);
    return v1;
  }

  it('installs the new version from update.json', async () => {
    const id = 'esr-static@outpost.test';
    const v1 = await publishVersions(id, `${server.url}/updates/${id}/update.json`);
    const run = await runFirefoxUpdateCheck({ xpi: v1, addonId: id, expectVersion: '2.0' });
    profiles.push(run.profileDir);
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '2.0', active: true });
  });

  it('installs the new version through the dynamic update URL with client placeholders', async () => {
    const id = 'esr-dynamic@outpost.test';
    const template = `${server.url}/updates/${id}?reqVersion=%REQ_VERSION%&id=%ITEM_ID%&version=%ITEM_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&appOS=%APP_OS%&appABI=%APP_ABI%&compatMode=%COMPATIBILITY_MODE%`;
    const v1 = await publishVersions(id, template);
    const run = await runFirefoxUpdateCheck({ xpi: v1, addonId: id, expectVersion: '2.0' });
    profiles.push(run.profileDir);
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '2.0', active: true });
  });

  it('keeps the old version when the served update_hash is wrong', async () => {
    const id = 'esr-badhash@outpost.test';
    const v1 = await publishVersions(id, `${server.url}/updates/${id}/update.json`);
    // Corrupt the served document on disk (before any client read it): a valid-looking sha256
    // of other bytes, as a tampered mirror or a broken upload would produce.
    const file = path.join(path.dirname(server.outpost.layout.manifestPath(id)), 'update.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    for (const u of doc.addons[id].updates) u.update_hash = `sha256:${'0'.repeat(64)}`;
    writeFileSync(file, JSON.stringify(doc));
    const run = await runFirefoxUpdateCheck({ xpi: v1, addonId: id });
    profiles.push(run.profileDir);
    expect({ version: run.version, active: run.active }, run.log).toEqual({ version: '1.0', active: true });
  });
});
