import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { parseRdfXml } from '../../src/rdf/rdf-xml-parser.ts';
import { EM_NS } from '../../src/rdf/graph.ts';
import { buildXpi, FIREFOX_ID, installRdf, SEAMONKEY_ID } from '../helpers/build-xpi.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';

const ID = 'legacy@example.org';
const manifestPath = `/updates/${ID}/update.rdf`;

function legacyXpi(version: string, extra: Partial<Parameters<typeof installRdf>[0]> = {}) {
  return buildXpi({
    'install.rdf': installRdf({
      id: ID,
      version,
      name: 'Legacy Example',
      targets: [
        { id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' },
        { id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' },
      ],
      ...extra,
    }),
    'chrome/content/main.js': `// version ${version}\n`,
  });
}

describe.each(serverBackends('publish'))('publishing and serving over HTTP from a %s', (_name, env) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: await env() });
  });
  afterAll(() => server.close());

  it('publishes two versions, serves a manifest that verifies, and files whose hashes match', async () => {
    const first = await publish(server, server.token, await legacyXpi('1.0', { updateURL: `${server.url}/updates/${ID}/update.rdf` }));
    expect(first.status).toBe(201);
    const second = await publish(server, server.token, await legacyXpi('1.1'), { updateInfoURL: 'https://example.org/notes/1.1' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ id: ID, version: '1.1', type: 'extension', size: expect.any(Number) });
    expect(second.body.links.updateRdf).toBe(`${server.url}/updates/legacy%40example.org/update.rdf`);

    const res = await fetch(`${server.url}${manifestPath}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const xml = await res.text();
    expect(verifyUpdateRdf(xml, server.updateKey, { id: ID })).toEqual([expect.objectContaining({ ok: true })]);

    const graph = parseRdfXml(xml);
    const seq = graph.resource(`urn:mozilla:extension:${ID}`, `${EM_NS}updates`)!;
    const items = graph.members(seq).map((m) => (m as { uri: string }).uri);
    expect(items.map((i) => graph.literal(i, `${EM_NS}version`))).toEqual(['1.1', '1.0']);
    let checked = 0;
    for (const item of items) {
      const targets = graph.objects(item, `${EM_NS}targetApplication`).map((t) => (t as { uri: string }).uri);
      expect(targets.map((t) => graph.literal(t, `${EM_NS}id`)).sort()).toEqual([SEAMONKEY_ID, FIREFOX_ID].sort());
      for (const target of targets) {
        const link = graph.literal(target, `${EM_NS}updateLink`)!;
        const hash = graph.literal(target, `${EM_NS}updateHash`)!;
        const download = await fetch(link);
        expect(download.status).toBe(200);
        expect(download.headers.get('content-type')).toBe('application/x-xpinstall');
        const bytes = Buffer.from(await download.arrayBuffer());
        expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(hash);
        checked++;
      }
    }
    expect(checked).toBe(4);
  });

  it('answers identical bytes with 200 and different bytes for a published version with 409', async () => {
    const again = await publish(server, server.token, await legacyXpi('1.0', { updateURL: `${server.url}/updates/${ID}/update.rdf` }));
    expect(again.status).toBe(200);
    const changed = await publish(server, server.token, await legacyXpi('1.0', { name: 'Changed' }));
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('VERSION_EXISTS');
  });

  it('serves ids raw or percent-encoded, ignores client query strings, and supports conditional GET', async () => {
    const guid = '{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}';
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: guid, version: '2.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
    expect((await publish(server, server.token, xpi)).status).toBe(201);
    const raw = await fetch(`${server.url}/updates/${guid}/update.rdf?reqVersion=2&id=${guid}&version=1.0&appID=${FIREFOX_ID}&appVersion=52.0`);
    const encoded = await fetch(`${server.url}/updates/${encodeURIComponent(guid)}/update.rdf`);
    expect(raw.status).toBe(200);
    expect(encoded.status).toBe(200);
    const body = await raw.text();
    expect(await encoded.text()).toBe(body);
    expect(body).toContain(`urn:mozilla:extension:${guid}`);
    const etag = raw.headers.get('etag')!;
    const cached = await rawGet(`${server.url}/updates/${encodeURIComponent(guid)}/update.rdf`, { 'if-none-match': etag });
    expect(cached.status).toBe(304);
    const since = await rawGet(`${server.url}/updates/${encodeURIComponent(guid)}/update.rdf`, { 'if-modified-since': raw.headers.get('last-modified')! });
    expect(since.status).toBe(304);
    expect(raw.headers.get('cache-control')).toMatch(/max-age=60/);
    const head = await fetch(`${server.url}/updates/${encodeURIComponent(guid)}/update.rdf`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(await head.text()).toBe('');
    const range = await rawGet(`${server.url}/updates/${encodeURIComponent(guid)}/update.rdf`, { range: 'bytes=0-4' });
    expect(range.status).toBe(206);
    expect(range.body.toString()).toBe('<?xml');
    const details = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(guid)}`, { headers: { authorization: `Bearer ${server.token}` } });
    const download = await fetch((await details.json()).versions[0].links.download);
    expect(download.headers.get('cache-control')).toContain('immutable');
    expect(download.headers.get('last-modified')).toBeTruthy();
    expect(Number(download.headers.get('content-length'))).toBe(xpi.length);
  });

  it('answers 404 for unknown add-ons and never serves private state', async () => {
    for (const p of [
      '/updates/unknown@example.org/update.rdf',
      '/files/unknown@example.org/x.xpi',
      '/private/tokens.json',
      '/storage/private/tokens.json',
      '/files/..%2F..%2Fprivate%2Ftokens.json',
      '/updates/%2E%2E/private/tokens.json',
      '/keys/default.key.pem',
    ]) {
      const res = await fetch(`${server.url}${p}`);
      expect([403, 404], p).toContain(res.status);
      const text = await res.text();
      expect(text, p).not.toContain('"tokens"');
      expect(text, p).not.toContain('PRIVATE KEY');
    }
  });

  it('lists add-ons and shows versions through the API', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const list = await (await fetch(`${server.url}/api/v1/addons`, { headers: auth })).json();
    expect(list.addons.map((a: { id: string }) => a.id)).toContain(ID);
    const one = await (await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}`, { headers: auth })).json();
    expect(one).toMatchObject({ id: ID, name: 'Legacy Example', latestVersion: '1.1', publisherKey: 'default' });
    expect(one.versions.map((v: { version: string }) => v.version)).toEqual(['1.1', '1.0']);
    expect(one.versions[0]).toMatchObject({ updateInfoURL: 'https://example.org/notes/1.1', updateHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect((await fetch(`${server.url}/api/v1/addons/nope@example.org`, { headers: auth })).status).toBe(404);
  });

  it('withdraws a version: re-signed manifest without it, file no longer served', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const before = await (await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}`, { headers: auth })).json();
    const link = before.versions.find((v: { version: string }) => v.version === '1.0').links.download;
    const res = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/1.0`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    const xml = await (await fetch(`${server.url}${manifestPath}`)).text();
    expect(xml).not.toContain('<em:version>1.0</em:version>');
    expect(xml).toContain('<em:version>1.1</em:version>');
    expect(verifyUpdateRdf(xml, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    expect((await fetch(link)).status).toBe(404);
    // Idempotent: a client retrying after a lost answer is told it is done.
    const again = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/1.0`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/9.9`, { method: 'DELETE', headers: auth })).status).toBe(404);
    const republish = await publish(server, server.token, await legacyXpi('1.0', { updateURL: `${server.url}/updates/${ID}/update.rdf` }));
    expect(republish.body.error.code).toBe('VERSION_WITHDRAWN');
  });
});
