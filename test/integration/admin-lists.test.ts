import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { adminRouter } from '../../src/http/admin/router.ts';
import { summarizeAddon, type CatalogStore } from '../../src/storage/catalog-store.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { bodyRows, hrefs } from '../helpers/html.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const ADDONS = 10_000;
const idOf = (i: number) => `addon-${String(i).padStart(5, '0')}@example.org`;

/** A catalog of 10 000 add-ons held in memory, counting the record reads a listing makes. */
function bigCatalog() {
  const records: AddonRecord[] = Array.from({ length: ADDONS }, (_, i) => ({
    id: idOf(i),
    type: 'extension',
    name: `Add-on number ${i}`,
    publisherKey: 'default',
    createdAt: '2024-01-01T00:00:00.000Z',
    // One per minute: the newest is the highest number.
    updatedAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    revision: 1,
    versions: [{ version: `1.${i}`, format: 'install.rdf', name: 'x', targets: [], targetPlatforms: [], file: 'x.xpi', size: 1, sha256: '0', publishedAt: '2024-01-01T00:00:00.000Z' }],
  }));
  const stats = { gets: 0, lists: 0 };
  const summaries = records.map(summarizeAddon);
  const catalog = {
    summaries: async () => summaries,
    list: () => (stats.lists++, records),
    get: (id: string) => (stats.gets++, records.find((r) => r.id === id)),
    get size() {
      return records.length;
    },
  };
  return { catalog: catalog as unknown as CatalogStore, stats };
}

describe('admin lists', () => {
  let server: TestServer;
  let admin: AdminClient;
  beforeAll(async () => {
    server = await startServer();
    admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
  });
  afterAll(() => server.close());

  it('asks browsers to upgrade to https only when the public URL is https', async () => {
    // Plain http on a host name other than localhost: the pages must load their CSS, JS and forms over http.
    const plain = (await fetch(`${server.url}/admin/login`)).headers.get('content-security-policy')!;
    expect(plain).toContain("default-src 'self'");
    expect(plain).not.toContain('upgrade-insecure-requests');
    const https = adminRouter({ ...server.outpost, config: { ...server.outpost.config, publicUrl: 'https://updates.example.org' } });
    const app = express().use('/admin', https);
    const listener: Server = createServer(app);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/admin/login`);
      expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    } finally {
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  describe('dashboard with 10 000 add-ons', () => {
    const big = bigCatalog();
    let listener: Server;
    let client: AdminClient;
    beforeAll(async () => {
      const app = express().use('/admin', adminRouter({ ...server.outpost, catalog: big.catalog }));
      listener = createServer(app);
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      client = new AdminClient(`http://127.0.0.1:${(listener.address() as AddressInfo).port}`);
      expect((await client.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    });
    afterAll(async () => {
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    });
    const dashboard = async (query = '') => {
      const res = await client.request(`/admin/${query}`);
      expect(res.status).toBe(200);
      return res.text();
    };

    it('shows 50 at a time, newest first, with links to the next and previous pages', async () => {
      big.stats.gets = 0;
      big.stats.lists = 0;
      const first = await dashboard();
      const rows = bodyRows(first);
      expect(rows).toHaveLength(50);
      expect(rows[0]).toContain(idOf(9999));
      expect(rows[49]).toContain(idOf(9950));
      expect(first).toContain('1–50 of 10,000');
      expect(hrefs(first)).toContain('/admin/?page=2');
      // Only the page is rendered, from the summaries: a listing reads no record at all.
      expect(first.length).toBeLessThan(60_000);
      expect(big.stats.gets).toBe(0);
      expect(big.stats.lists).toBe(0);

      const second = await dashboard('?page=2');
      expect(bodyRows(second)[0]).toContain(idOf(9949));
      expect(hrefs(second)).toEqual(expect.arrayContaining(['/admin/', '/admin/?page=3']));
      const last = await dashboard('?page=999');
      expect(last).toContain('9,951–10,000 of 10,000');
      expect(bodyRows(last)).toHaveLength(50);
      expect(bodyRows(last)[49]).toContain(idOf(0));
      expect(bodyRows(await dashboard('?page=nonsense'))[0]).toContain(idOf(9999));
    });

    it('searches ids and names by substring, any case, and pages the matches', async () => {
      const byId = bodyRows(await dashboard('?q=ADDON-0999'));
      expect(byId).toHaveLength(10);
      expect(byId.every((r) => r.includes('addon-0999'))).toBe(true);
      const byName = await dashboard(`?q=${encodeURIComponent('number 777')}`);
      expect(bodyRows(byName)).toHaveLength(11);
      const many = await dashboard('?q=number+1');
      expect(many).toContain('1–50 of 1,111');
      expect(hrefs(many)).toContain('/admin/?q=number+1&page=2');
      expect(await dashboard('?q=zzz')).toContain('No add-on matches');
    });
  });

  it('describes activity in words, filters it by add-on, actor and action, and pages it', async () => {
    const id = 'activity@example.org';
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id, version: '1.0', name: 'Activity', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
    expect((await publish(server, server.token, xpi)).status).toBe(201);
    await server.outpost.versions.editRange(id, '1.0', FIREFOX_ID, { minVersion: '3.6', maxVersion: '60.*' }, { name: 'admin:admin', keyName: '', admin: true });
    for (let i = 0; i < 120; i++) await server.outpost.audit.record({ actor: 'cli', action: 'admin-passwd', target: `user${i}` });

    const page = async (query: string) => {
      const res = await admin.request(`/admin/activity${query}`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const all = await page('');
    expect(bodyRows(all)).toHaveLength(50);
    expect(all).not.toMatch(/\{&quot;/);

    const mine = bodyRows(await page(`?addon=${encodeURIComponent(id)}`));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toContain('Firefox range of 1.0: 3.6 – 56.* → 3.6 – 60.*');
    expect(mine[1]).toMatch(/Published 1\.0 \(\d+ bytes\), sha256 [0-9a-f]{12}…/);
    expect(mine[1]).toContain(`href="/admin/addons/${encodeURIComponent(id)}"`);

    const passwd = await page('?action=admin-passwd&actor=cli');
    expect(passwd).toContain('1–50 of 120');
    expect(hrefs(passwd)).toContain('/admin/activity?actor=cli&action=admin-passwd&page=2');
    const third = await page('?action=admin-passwd&actor=cli&page=3');
    expect(bodyRows(third)).toHaveLength(20);
    expect(bodyRows(third)[19]).toContain('user0');
    expect(third).toContain('<option value="admin-passwd" selected>');
    expect(bodyRows(await page('?actor=admin%3Aadmin&action=edit-range'))).toHaveLength(1);
    expect(await page('?action=nothing-like-this')).toContain('No activity matches');
  });
});
