import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublicCatalog } from '../../src/app/public-catalog.ts';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { CATALOG_PAGE_SIZE, publicCatalogRoutes } from '../../src/http/routes/public-catalog.ts';
import { folderSender } from '../../src/http/routes/jami-store.ts';
import { CatalogStore } from '../../src/storage/catalog-store.ts';
import { ChromiumStore } from '../../src/storage/chromium-store.ts';
import { FolderObjects } from '../../src/storage/objects/folder-objects.ts';
import { DataLayout } from '../../src/storage/data-layout.ts';
import { PluginStore } from '../../src/storage/plugin-store.ts';
import { VpnStore } from '../../src/storage/vpn-store.ts';
import { FIREFOX_ID } from '../helpers/build-xpi.ts';
import { rawGet } from '../helpers/server.ts';

const COUNT = 10_000;
const id = (i: number) => `bulk-${String(i).padStart(5, '0')}@example.org`;

/** Every hundredth add-on is for Android only; every thousandth has only a withdrawn version. */
function record(i: number): AddonRecord {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    id: id(i), type: 'extension', name: `Bulk add-on ${String(i).padStart(5, '0')}`, publisherKey: 'default', createdAt: at, updatedAt: at, revision: 1,
    versions: [{
      version: '1.0', format: 'install.rdf', name: 'x', targets: [{ appId: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }],
      targetPlatforms: i % 100 === 0 ? ['Android'] : [], file: `bulk-${i}.xpi`, size: 1, sha256: '0'.repeat(64), publishedAt: at,
      ...(i % 1000 === 999 ? { withdrawnAt: at } : {}),
    }],
  };
}

/**
 * The catalog with 10 000 add-ons: records written to disk the way the store keeps them (not
 * published one by one), opened by the real stores (which build the index from them), served by
 * the real routes. Checks answers, not timings: the right page, the right rows, links that work.
 */
describe('public catalog with 10 000 add-ons', () => {
  let root: string;
  let server: Server;
  let url = '';
  let catalog: CatalogStore;
  const page = async (query: string) => {
    const res = await rawGet(`${url}/catalog${query}`);
    const html = res.body.toString('utf8');
    return { status: res.status, html, rows: [...html.matchAll(/<a href="\/catalog\/addon\/[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]!) };
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'outpost-catalog-scale-'));
    const layout = new DataLayout(root);
    await layout.ensure();
    for (let start = 0; start < COUNT; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, k) => writeFile(layout.recordPath(id(start + k)), JSON.stringify(record(start + k)))));
    }
    ({ catalog } = await CatalogStore.open(layout));
    expect(catalog.size).toBe(COUNT);
    const objects = new FolderObjects(layout.root);
    const production = (await VpnStore.open(objects)).vpn;
    const app = express();
    app.use(publicCatalogRoutes({
      catalog: new PublicCatalog({ catalog, plugins: (await PluginStore.open(objects)).plugins, chromium: (await ChromiumStore.open(objects)).chromium, chromiumNewest: () => undefined, vpn: production, jamiPrefix: '/jami' }),
      addon: (a) => catalog.get(a),
      jami: () => undefined,
      chromium: () => undefined,
      vpn: (v) => production.get(v),
      send: folderSender((key) => layout.pathOf(key)),
      detail: { publicUrl: 'http://outpost.test', jamiPrefix: '/jami', vpnIndexUrl: 'http://outpost.test/vpn/manifest.json', rccUrl: (v) => `http://outpost.test/vpn/${v}.rcc` },
    }));
    app.use(notFound);
    app.use(errorHandler);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  const offered = COUNT - COUNT / 1000;

  it('shows one page of 50 at a time, in name order, with previous and next links', async () => {
    const first = await page('');
    expect(first.status).toBe(200);
    expect(first.rows).toHaveLength(CATALOG_PAGE_SIZE);
    expect(first.rows[0]).toBe('Bulk add-on 00000');
    expect(first.html).toContain(`1–50 of ${offered.toLocaleString('en')}`);
    expect(first.html).not.toContain('rel="prev"');
    expect(first.html).toContain('<a class="button secondary" rel="next" href="/catalog?page=2">');

    const last = Math.ceil(offered / CATALOG_PAGE_SIZE);
    const end = await page(`?page=${last}`);
    expect(end.rows.at(-1)).toBe('Bulk add-on 09998');
    expect(end.html).toContain(`page ${last} of ${last}`);
    expect(end.html).not.toContain('rel="next"');
    expect(end.html).toContain(`rel="prev" href="/catalog?page=${last - 1}"`);
    // A page past the end shows the last one.
    expect((await page('?page=100000')).rows).toEqual(end.rows);
    // Pages neither overlap nor skip: page 2 starts right after page 1.
    expect((await page('?page=2')).rows[0]).toBe('Bulk add-on 00050');
  });

  it('never lists an add-on whose only version is withdrawn', async () => {
    expect((await page('?q=bulk-00999')).rows).toEqual([]);
    expect((await page('?q=bulk-0099')).rows).toEqual(['Bulk add-on 00990', 'Bulk add-on 00991', 'Bulk add-on 00992', 'Bulk add-on 00993', 'Bulk add-on 00994', 'Bulk add-on 00995', 'Bulk add-on 00996', 'Bulk add-on 00997', 'Bulk add-on 00998']);
    expect((await rawGet(`${url}/catalog/addon/${encodeURIComponent(id(999))}`)).status).toBe(404);
  });

  it('pages filtered results and keeps the filters in the links', async () => {
    const android = await page('?platform=Android');
    expect(android.rows).toHaveLength(CATALOG_PAGE_SIZE);
    expect(android.html).toContain('1–50 of 100');
    expect(android.html).toContain('href="/catalog?platform=Android&amp;page=2"');
    const second = await page('?platform=Android&page=2');
    expect(second.rows.at(-1)).toBe('Bulk add-on 09900');
    expect((await page(`?application=${encodeURIComponent(FIREFOX_ID)}&q=ADD-ON+0999`)).rows).toHaveLength(9); // 09990–09998: 09999 is withdrawn
  });

  it('shows a change at once: a new add-on and a withdrawal, without a restart', async () => {
    await catalog.save({ ...record(COUNT), name: 'Aardvark tools' });
    expect((await page('')).rows[0]).toBe('Aardvark tools');
    const withdrawn = record(1);
    withdrawn.versions[0]!.withdrawnAt = '2025-02-01T00:00:00.000Z';
    await catalog.save({ ...withdrawn, revision: 2 });
    expect((await page('?q=bulk-00001@')).rows).toEqual([]);
  });
});
