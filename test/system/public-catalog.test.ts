import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneLayoutProblems, screenshot } from '../helpers/browser.ts';
import { buildXpi, FIREFOX_ID, installRdf, SEAMONKEY_ID } from '../helpers/build-xpi.ts';
import { buildJpl, signerFor, TEST_SVG } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';
import { findTool, requireTool } from '../helpers/system-tools.ts';

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const present = requireTool('chromium') && Boolean(findTool('chromium'));
const LONG_ID = 'a-rather-long-extension-identifier-for-phones@addons.example.org';
const JAMI_ID = 'GreenScreen';
const ABIS = ['arm64-v8a', 'armeabi-v7a', 'x86_64-linux-gnu'];

/**
 * The public catalog in a real Chromium with JavaScript switched off, at desktop width and at
 * 390 px (a phone): search and filters through the plain GET form, an add-on's page with its
 * downloads visible, a Jami plugin saved by hand as the jami.net/extensions page is used.
 * Screenshots go to test-output/screenshots (git-ignored).
 */
describe.skipIf(!present)('public catalog in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const open = async (width: number): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  };

  beforeAll(async () => {
    const pki = await jamiPki();
    const anchor = path.join(pki.dir, 'anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    server = await startServer({ env: { OUTPOST_JAMI_TRUST_ANCHORS: anchor, OUTPOST_JAMI_OCSP_UNREACHABLE: 'accept' } });
    const xpis = [
      installRdf({ id: LONG_ID, version: '3.10.2', name: 'An add-on with a rather long name to wrap on a phone', targets: [{ id: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }] }),
      installRdf({ id: 'legacy@example.org', version: '1.0', name: 'Legacy helper', targets: [{ id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' }] }),
      installRdf({ id: 'legacy@example.org', version: '1.0', name: 'Legacy helper', targetPlatforms: ['Linux_x86_64-gcc3'], targets: [{ id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' }] }),
    ];
    // The legacy helper's packages carry a top-level icon.png (a real 1x1 PNG, so the browser draws it).
    const icon = (rdf: string): Record<string, Buffer> => (rdf.includes('legacy@') ? { 'icon.png': PNG_1PX } : {});
    for (const rdf of xpis) expect((await publish(server, server.token, await buildXpi({ 'install.rdf': rdf, ...icon(rdf) }), { releaseNotes: 'Fixes the toolbar button.\nWorks offline.' })).status).toBe(201);
    const jpl = await buildJpl({
      id: JAMI_ID, version: '2.1.0', abis: ABIS, signWith: signerFor(pki, pki.plugin, pki.org), description: 'Replaces your background during calls',
      files: { 'data/icon.svg': TEST_SVG },
    });
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(jpl)]), 'plugin.jpl');
    expect((await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status).toBe(201);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  it('lists, searches and filters at desktop width without JavaScript', async () => {
    const page = await open(1280);
    await page.goto(`${server.url}/catalog`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Catalog');
    // The stylesheet, the Jami icon and the XPI's icon arrive under the page's CSP (the third add-on has a placeholder).
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(245, 247, 250)');
    expect(await page.locator('img.icon').evaluateAll((imgs: HTMLImageElement[]) => imgs.map((img) => [img.alt, img.complete && img.naturalWidth > 0]))).toEqual([
      [`Icon of ${JAMI_ID}`, true],
      ['Icon of Legacy helper', true],
    ]);
    expect(await page.locator('.icon.placeholder').count()).toBe(1);
    await screenshot(page, 'catalog-desktop');

    await page.getByLabel('Search').fill('LEGACY');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=LEGACY/);
    expect(await page.locator('table.catalog tbody tr').count()).toBe(1);

    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Platform or ABI').selectOption('arm64-v8a');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/platform=arm64-v8a/);
    expect(await page.locator('table.catalog tbody th a').allTextContents()).toEqual([JAMI_ID]);
    await screenshot(page, 'catalog-desktop-filtered');
  });

  it('shows an add-on page whose download installs the XPI (served as application/x-xpinstall)', async () => {
    const page = await open(1280);
    await page.goto(`${server.url}/catalog`);
    await page.getByRole('link', { name: 'Legacy helper', exact: true }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Legacy helper');
    expect(await page.getByRole('img', { name: 'Icon of Legacy helper' }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const link = page.getByRole('link', { name: 'All platforms' });
    expect(await link.isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Linux_x86_64-gcc3' }).isVisible()).toBe(true);
    // No download attribute: the browser asks the server, which says what the file is.
    expect(await link.getAttribute('download')).toBeNull();
    const res = await page.request.get((await link.getAttribute('href'))!);
    expect(res.headers()['content-type']).toBe('application/x-xpinstall');
    expect(await page.getByText('Works offline.').isVisible()).toBe(true);
    await screenshot(page, 'catalog-addon-desktop');
  });

  it('fits a 390 px phone: nothing scrolls sideways, downloads stay visible', async () => {
    const page = await open(390);
    for (const [p, name] of [['/catalog', 'catalog-390'], [`/catalog/addon/${encodeURIComponent(LONG_ID)}`, 'catalog-addon-390'], [`/catalog/jami/${JAMI_ID}`, 'catalog-jami-390']] as const) {
      await page.goto(`${server.url}${p}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect({ p, problems: await phoneLayoutProblems(page) }).toEqual({ p, problems: [] });
      await screenshot(page, name);
    }
    expect(await page.getByRole('link', { name: 'arm64-v8a' }).isVisible()).toBe(true);
  });

  it('lets an Android user save the .jpl for their ABI by hand', async () => {
    const page = await open(390);
    await page.goto(`${server.url}/catalog/jami/${JAMI_ID}`);
    expect(await page.getByText('Replaces your background during calls').isVisible()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'arm64-v8a' }).click()]);
    expect(download.suggestedFilename()).toBe(`${JAMI_ID}.jpl`);
    expect(await download.failure()).toBeNull();
  });
});
