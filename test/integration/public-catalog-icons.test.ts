import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ICON } from '../../src/limits.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { buildExtensionZip, extensionManifest } from '../helpers/crx-build.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';

/** A PNG signature and some bytes: the server checks the magic, not the pixels. */
const png = (fill: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, fill)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 3)]);
const ID = 'icons@example.org';

const webext = (id: string, version: string, icons: Record<string, string>, files: Record<string, Buffer | string>) =>
  buildXpi({ 'manifest.json': webextManifest({ id, version, name: `Icons ${version}`, extra: { icons } }), ...files }, { compress: false });

/** The src of the listing row's or page heading's icon of `name`, if it has one. */
const iconOf = (html: string, name: string) => new RegExp(`<img class="icon" src="([^"]+)" alt="Icon of ${name}" width="\\d+" height="\\d+"`).exec(html)?.[1];

/**
 * XPI icons in the public catalog: copied out of the package at publish time, served by the
 * catalog with the type their bytes proved, only while their version is offered; an unusable
 * icon publishes the package with a warning and no icon.
 */
describe('public catalog icons', () => {
  let server: TestServer;
  const ok = async (xpi: Buffer) => {
    const res = await publish(server, server.token, xpi);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { warnings: string[] };
  };
  const get = async (p: string) => {
    const res = await rawGet(`${server.url}${p}`);
    return { ...res, html: res.body.toString('utf8').replaceAll('<wbr>', '') };
  };

  beforeAll(async () => {
    server = await startServer();
    await ok(await webext(ID, '1.0', { 16: 'i16.png', 48: 'icons/i48.png' }, { 'i16.png': png(1), 'icons/i48.png': png(2) }));
    await ok(await webext(ID, '2.0', { 128: '/big.jpg' }, { 'big.jpg': JPEG }));
  });
  afterAll(() => server?.close());

  it('shows the newest offered version\'s icon on the listing and the add-on\'s page, served byte for byte with its type', async () => {
    const listing = await get('/catalog');
    const src = iconOf(listing.html, 'Icons 2.0');
    expect(src).toBe(`/catalog/icons/${encodeURIComponent(ID)}/icons%40example.org-2.0.jpg`);
    expect(listing.html).toMatch(/alt="Icon of Icons 2.0" width="40" height="40" loading="lazy"/);
    expect(iconOf((await get(`/catalog/addon/${encodeURIComponent(ID)}`)).html, 'Icons 2.0')).toBe(src);
    const icon = await get(src!);
    expect(icon.status).toBe(200);
    expect(icon.body.equals(JPEG)).toBe(true);
    expect(icon.headers['content-type']).toBe('image/jpeg');
    expect(icon.headers['x-content-type-options']).toBe('nosniff');
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
    expect(icon.headers['set-cookie']).toBeUndefined();
  });

  it('never points to or serves a withdrawn version\'s icon', async () => {
    const res = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/2.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    // The add-on keeps the name its last publish gave it; only the icon goes back to 1.0's.
    const src = iconOf((await get('/catalog')).html, 'Icons 2.0');
    expect(src).toBe(`/catalog/icons/${encodeURIComponent(ID)}/icons%40example.org-1.0.png`);
    const icon = await get(src!);
    expect(icon.headers['content-type']).toBe('image/png');
    expect(icon.body.equals(png(2))).toBe(true);
    expect((await get(`/catalog/icons/${encodeURIComponent(ID)}/icons%40example.org-2.0.jpg`)).status).toBe(404);
  });

  it('answers 404 for anything that is no offered icon', async () => {
    for (const p of ['/catalog/icons/nobody%40example.org/x.png', `/catalog/icons/${encodeURIComponent(ID)}/..%2F..%2Fprivate`, `/catalog/icons/${encodeURIComponent(ID)}/icons%40example.org-1.0.xpi`]) {
      expect({ p, status: (await get(p)).status }).toEqual({ p, status: 404 });
    }
  });

  it.each([
    ['missing', { 48: 'gone.png' }, {}, 'is not in the package'],
    ['oversized', { 48: 'big.png' }, { 'big.png': Buffer.concat([png(4), Buffer.alloc(ICON.maxBytes)]) }, 'more than the'],
    ['not an image', { 48: 'fake.png' }, { 'fake.png': 'MZ\u0090 not a picture' }, 'is not a PNG, JPEG, GIF or WebP'],
    ['an SVG', { 48: 'i.svg' }, { 'i.svg': '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' }, 'SVG'],
    ['outside the package', { 48: '../../etc/passwd' }, {}, 'not a plain path inside the package'],
  ] as const)('publishes a package whose icon is %s, with a warning and no icon', async (what, icons, files, warning) => {
    const id = `bad-${what.replaceAll(' ', '-')}@example.org`;
    const body = await ok(await webext(id, '1.0', icons, files));
    expect(body.warnings.join('\n')).toContain(warning);
    const pageHtml = (await get(`/catalog/addon/${encodeURIComponent(id)}`)).html;
    expect(pageHtml).not.toContain('/catalog/icons/');
    expect(pageHtml).toContain('<span class="icon placeholder" aria-hidden="true">I</span>');
    expect(server.outpost.catalog.get(id)!.versions[0]!.icon).toBeUndefined();
  });

  it('reads an install.rdf add-on\'s top-level icon.png, and skips a chrome:// em:iconURL with a warning', async () => {
    const rdf = (id: string, extra = '') => installRdf({ id, version: '1.0', name: 'Legacy icons', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }], extra });
    await ok(await buildXpi({ 'install.rdf': rdf('rdf-icon@example.org'), 'icon.png': png(5) }));
    const src = iconOf((await get('/catalog/addon/rdf-icon%40example.org')).html, 'Legacy icons');
    expect((await get(src!)).body.equals(png(5))).toBe(true);
    const body = await ok(await buildXpi({ 'install.rdf': rdf('rdf-chrome@example.org', '    <em:iconURL>chrome://x/skin/icon.png</em:iconURL>'), 'chrome.manifest': 'skin x classic/1.0 skin/' }));
    expect(body.warnings.join('\n')).toContain('chrome://');
    expect(server.outpost.catalog.get('rdf-chrome@example.org')!.versions[0]!.icon).toBeUndefined();
  });

  it('shows a Chromium extension\'s icon (packed by Outpost from a ZIP), and warns when its icon is unusable', async () => {
    const zip = await buildExtensionZip(extensionManifest({ name: 'Shiny', icons: { 32: 'i32.png', 64: 'i64.png' } }), { 'i32.png': png(6), 'i64.png': png(7) });
    const res = await publish(server, server.token, zip, { kind: 'chromium' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const src = iconOf((await get(`/catalog/chromium/${res.body.id}`)).html, 'Shiny');
    expect(src).toBe(`/catalog/icons/${res.body.id}/${res.body.id}-1.0.png`);
    const icon = await get(src!);
    expect(icon.headers['content-type']).toBe('image/png');
    expect(icon.body.equals(png(7))).toBe(true);
    const bad = await publish(server, server.token, await buildExtensionZip(extensionManifest({ version: '1.1', icons: { 48: 'none.png' } })), { kind: 'chromium' });
    expect(bad.status, JSON.stringify(bad.body)).toBe(201);
    expect(bad.body.warnings.join('\n')).toContain('is not in the package');
    expect(server.outpost.chromiumRecords.get(bad.body.id)!.versions.find((v) => v.version === '1.1')!.icon).toBeUndefined();
  });

  it('moves a private add-on\'s icons out of public/ with its packages, and back when it is public again', async () => {
    const id = 'private-icon@example.org';
    await ok(await webext(id, '1.0', { 48: 'p.png' }, { 'p.png': png(8) }));
    const src = iconOf((await get(`/catalog/addon/${encodeURIComponent(id)}`)).html, 'Icons 1.0')!;
    const visibility = (v: string) => fetch(`${server.url}/api/v1/addons/${encodeURIComponent(id)}/visibility/${v}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` } });
    expect((await visibility('private')).status).toBe(200);
    expect((await get(src)).status).toBe(404);
    expect(await server.outpost.objects.head(`public/icons/${id}/${id}-1.0.png`)).toBeUndefined();
    // A publish while private puts its icon aside too.
    await ok(await webext(id, '1.1', { 48: 'p.png' }, { 'p.png': png(9) }));
    expect(await server.outpost.objects.head(`public/icons/${id}/${id}-1.1.png`)).toBeUndefined();
    expect((await visibility('public')).status).toBe(200);
    const newest = iconOf((await get(`/catalog/addon/${encodeURIComponent(id)}`)).html, 'Icons 1.1')!;
    expect((await get(newest)).body.equals(png(9))).toBe(true);
    expect((await get(src)).body.equals(png(8))).toBe(true);
  });
});
