import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { launchChromium, phoneLayoutProblems, readmeScreenshot, screenshot, TEST_HOST } from '../helpers/browser.ts';
import { buildXpi, FIREFOX_ID, installRdf, SEAMONKEY_ID } from '../helpers/build-xpi.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { findTool, requireTool } from '../helpers/system-tools.ts';

const present = requireTool('chromium') && Boolean(findTool('chromium'));
const ID = 'ui-demo@example.org';
/** Ids as long as real ones get, for the phone layout. */
const LONG_IDS = ['{5c2b0a64-7f3e-4d61-9a8b-2e1f0c3d4b5a}', 'a-rather-long-extension-identifier@addons.example.org'];

describe.skipIf(!present)('admin interface in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const admin = (p = '') => `${server.url}/admin${p}`;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.setDefaultTimeout(10_000);
    for (const id of LONG_IDS) {
      const xpi = await buildXpi({ 'install.rdf': installRdf({ id, version: '2.0.1', name: `Long id ${id.length}`, targets: [{ id: FIREFOX_ID, minVersion: '52.0', maxVersion: '56.*' }] }) });
      expect((await publish(server, server.token, xpi)).status).toBe(201);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends a visitor to sign in, and signs in', async () => {
    await page.goto(admin('/'));
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await screenshot(page, '01-login');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Wrong user name or password');
    await page.getByLabel('Password').fill(server.firstRun.admin!.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(admin('/'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Add-ons');
  });

  it('works over plain http on a host name other than localhost: no request is sent to https', async () => {
    const context = await browser.newContext();
    const lan = await context.newPage();
    const requested: string[] = [];
    lan.on('request', (r) => requested.push(r.url()));
    const origin = server.url.replace('127.0.0.1', TEST_HOST);
    await lan.goto(`${origin}/admin/login`);
    // The stylesheet arrived (the page background is the admin one, not the browser default).
    expect(await lan.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(245, 247, 250)');
    await lan.getByLabel('User name').fill('admin');
    await lan.getByLabel('Password').fill(server.firstRun.admin!.password);
    await lan.getByRole('button', { name: 'Sign in' }).click();
    await lan.waitForURL(`${origin}/admin/`);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    await context.close();
  });

  it('uploads a valid XPI and shows what was read from it', async () => {
    const file = path.join(server.dir, 'demo-1.0.xpi');
    writeFileSync(file, await buildXpi({
      'install.rdf': installRdf({
        id: ID, version: '1.0', name: 'UI Demo',
        targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }, { id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' }],
      }),
    }));
    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    await page.getByLabel(/^Package \(/).setInputFiles(file);
    await page.getByLabel('Release notes URL (optional)').fill('https://example.org/notes/1.0');
    await page.getByRole('button', { name: 'Upload' }).click();
    const result = page.locator('section.card.ok');
    await result.waitFor();
    const text = (await result.textContent())!;
    expect(text).toContain('Published: UI Demo 1.0');
    expect(text).toContain('Firefox: 3.6 – 56.*');
    expect(text).toContain('SeaMonkey: 2.0 – 2.49.*');
    expect(text).toMatch(/sha256:[0-9a-f]{64}/);
    expect(text).toContain(`/updates/ui-demo%40example.org/update.rdf`);
    await screenshot(page, '03-upload-result');
  });

  it('shows a broken upload\'s error next to the form and stores nothing', async () => {
    const before = snapshotTree(server.outpost.config.dataDir);
    const file = path.join(server.dir, 'broken.xpi');
    writeFileSync(file, 'this is not a zip file');
    await page.getByLabel(/^Package \(/).setInputFiles(file);
    await page.getByRole('button', { name: 'Upload' }).click();
    const error = page.locator('section.card.error');
    await error.waitFor();
    expect(await error.textContent()).toContain('ZIP_INVALID');
    await screenshot(page, '04-upload-error');
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
  });

  it('lists the add-on on the dashboard, with search', async () => {
    await page.getByRole('link', { name: 'Add-ons' }).click();
    expect(await page.locator('table').textContent()).toContain(ID);
    await screenshot(page, '02-dashboard');
    await page.getByLabel('Search by name or id').fill('nothing-like-this');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('main').textContent()).toContain('No add-on matches');
  });

  it('edits a compatibility range: the served manifest changes and still verifies', async () => {
    await page.goto(admin(`/addons/${encodeURIComponent(ID)}`));
    await page.getByLabel('Max version for Firefox').fill('60.*');
    await page.locator('form.range').filter({ has: page.getByLabel('Max version for Firefox') }).getByRole('button', { name: 'Save range' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').textContent()).toContain('re-signed');
    const xml = await (await fetch(`${server.url}/updates/${ID}/update.rdf`)).text();
    expect(xml).toContain('<em:maxVersion>60.*</em:maxVersion>');
    expect(xml).not.toContain('<em:maxVersion>56.*</em:maxVersion>');
    expect(verifyUpdateRdf(xml, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    expect(await page.locator('#preview-update-rdf').textContent()).toContain('60.*');
    expect(await page.locator('#snippet-install-rdf').textContent()).toContain(`<em:updateKey>${server.updateKey}</em:updateKey>`);
    await screenshot(page, '05-addon');
    await readmeScreenshot(page, 'admin-addon', 1445);
  });

  it('keeps a refused range edit in its form, with the reason next to the field', async () => {
    const max = page.getByLabel('Max version for SeaMonkey');
    await max.fill('60 or later');
    await page.locator('form.range').filter({ has: max }).getByRole('button', { name: 'Save range' }).click();
    const error = page.locator('form.range .field-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('maxVersion for SeaMonkey "60 or later" is not a valid application version');
    expect(await page.getByLabel('Max version for SeaMonkey').inputValue()).toBe('60 or later');
    expect(await page.getByLabel('Max version for SeaMonkey').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Min version for SeaMonkey').getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, '05b-addon-range-refused');
    expect(await (await fetch(`${server.url}/updates/${ID}/update.rdf`)).text()).toContain('<em:maxVersion>2.49.*</em:maxVersion>');
  });

  it('asks before withdrawing a version, and restores it', async () => {
    const served = async () => (await fetch(`${server.url}/updates/${ID}/update.rdf`)).text();
    await page.goto(admin(`/addons/${encodeURIComponent(ID)}`));
    await page.getByRole('link', { name: 'Withdraw 1.0…' }).click();
    await page.getByRole('heading', { name: 'Withdraw UI Demo 1.0?' }).waitFor();
    await screenshot(page, '05c-withdraw-confirm');
    expect(await served()).toContain('<em:version>1.0</em:version>');
    await page.getByRole('button', { name: 'Withdraw 1.0' }).click();
    await page.getByRole('status').filter({ hasText: 'was withdrawn' }).waitFor();
    expect(await served()).not.toContain('<em:version>1.0</em:version>');
    await screenshot(page, '05d-addon-withdrawn');
    await page.getByRole('button', { name: 'Restore 1.0' }).click();
    await page.getByRole('status').filter({ hasText: 'served again' }).waitFor();
    const xml = await served();
    expect(xml).toContain('<em:version>1.0</em:version>');
    expect(verifyUpdateRdf(xml, server.updateKey, { id: ID })[0]!.ok).toBe(true);
  });

  it('creates a token that the API accepts, then revokes it so the API refuses it', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Label').fill('browser-test');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('#new-token').textContent())!.trim();
    expect(token).toMatch(/^opt_[0-9a-f]{12}_/);
    await screenshot(page, '06-tokens');
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: 'via-token@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
    expect((await publish(server, token, xpi)).status).toBe(201);
    // The token is in the answer to the POST itself (no redirect, so no stored plain token); the
    // tokens page fetched afresh no longer shows it.
    await page.goto(admin('/tokens'));
    expect(await page.locator('#new-token').count()).toBe(0);
    const row = page.locator('tr', { hasText: 'browser-test' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForLoadState();
    expect(await page.locator('tr', { hasText: 'browser-test' }).textContent()).toContain('revoked');
    const refused = await publish(server, token, xpi);
    expect(refused.status).toBe(401);
  });

  it('shows keys and the activity log', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    expect(await page.getByLabel('updateKey').first().inputValue()).toBe(server.updateKey);
    await screenshot(page, '07-keys');
    await page.getByRole('link', { name: 'Activity' }).click();
    const log = (await page.locator('table').textContent())!;
    for (const action of ['sign-in', 'sign-in-failed', 'publish', 'edit-range', 'withdraw', 'restore', 'token-create', 'token-revoke']) expect(log).toContain(action);
    expect(log).toContain('Firefox range of 1.0: 3.6 – 56.* → 3.6 – 60.*');
    await screenshot(page, '08-activity');
    await page.getByLabel('What').selectOption('withdraw');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=withdraw/);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.textContent()).toContain('Withdrew 1.0');
  });

  it('is usable on a phone: nothing scrolls sideways and ids wrap sensibly, on every page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone = await context.newPage();
    const check = async (path: string, name: string) => {
      await phone.goto(admin(path));
      expect({ path, problems: await phoneLayoutProblems(phone) }).toEqual({ path, problems: [] });
      await screenshot(phone, `10-phone-${name}`);
    };
    await check('/login', 'login');
    await context.addCookies(await page.context().cookies());
    const addon = `/addons/${encodeURIComponent(ID)}`;
    for (const [path, name] of [
      ['/', 'dashboard'], ['/upload', 'upload'], [addon, 'addon'], [`/addons/${encodeURIComponent(LONG_IDS[0]!)}`, 'addon-guid'],
      [`${addon}/versions/1.0/withdraw`, 'withdraw'], ['/keys', 'keys'], ['/tokens', 'tokens'], ['/activity', 'activity'],
    ] as const) await check(path, name);
    await context.close();
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(admin('/login'));
    await page.goto(admin('/tokens'));
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });
});
