import { describe, expect, it } from 'vitest';
import { updateUrlReachesAddon } from '../../../src/catalog/update-url-reach.ts';

const BASE = 'https://updates.example.org';
const GUID = '{0b3a3e4c-1c2d-4e5f-8a9b-0c1d2e3f4a5b}';

describe('does an update URL reach this add-on on this server?', () => {
  it.each([
    ['addon@example.org', `${BASE}/updates/addon@example.org/update.rdf`],
    ['addon@example.org', `${BASE}/updates/addon%40example.org/update.json`],
    [GUID, `${BASE}/updates/${GUID}/update.rdf`],
    [GUID, `${BASE}/updates/${encodeURIComponent(GUID)}/update.rdf`],
    [GUID, `${BASE}/updates/%ITEM_ID%/update.rdf`],
    ['addon@example.org', `${BASE}/updates/addon@example.org/{ec8030f7-c20a-464f-9b0e-13a3a9e97384}/update.json`],
    ['addon@example.org', `${BASE}/updates/addon@example.org/%APP_ID%/%APP_OS%_%APP_ABI%/update.rdf`],
    ['addon@example.org', `${BASE}/updates/addon@example.org?reqVersion=%REQ_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&compatMode=%COMPATIBILITY_MODE%`],
    ['addon@example.org', `${BASE}/update?id=%ITEM_ID%&appID=%APP_ID%&appVersion=%APP_VERSION%`],
    ['addon@example.org', `${BASE}/update?id=addon%40example.org`],
  ])('%s: %s reaches it', (id, url) => {
    expect(updateUrlReachesAddon(url, BASE, id)).toBe(true);
  });

  it.each([
    ['another host', 'https://other.example.org/updates/addon@example.org/update.rdf'],
    ['plain http for an https server', 'http://updates.example.org/updates/addon@example.org/update.rdf'],
    ['another add-on', `${BASE}/updates/other@example.org/update.rdf`],
    ['another document', `${BASE}/updates/addon@example.org/other.xml`],
    ['the files tree', `${BASE}/files/addon@example.org/update.rdf`],
    ['an update query for another id', `${BASE}/update?id=other@example.org`],
    ['not a URL', 'updates/addon@example.org/update.rdf'],
  ])('%s does not', (_what, url) => {
    expect(updateUrlReachesAddon(url, BASE, 'addon@example.org')).toBe(false);
  });

  it('respects a public URL with a path prefix', () => {
    expect(updateUrlReachesAddon('https://example.org/outpost/updates/a@b.c/update.rdf', 'https://example.org/outpost', 'a@b.c')).toBe(true);
    expect(updateUrlReachesAddon('https://example.org/updates/a@b.c/update.rdf', 'https://example.org/outpost', 'a@b.c')).toBe(false);
  });
});
