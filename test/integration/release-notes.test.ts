import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const ID = 'notes@example.org';
const xpi = (version: string) => buildXpi({ 'install.rdf': installRdf({ id: ID, version, name: 'Notes Demo', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });

describe('release notes hosted by Outpost', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('hosts notes per locale at a stable URL that the manifests name with %APP_LOCALE%', async () => {
    const res = await publish(server, server.token, await xpi('1.0'), {
      releaseNotes: 'Fixed <script>alert(1)</script> handling.\n\nSecond paragraph.',
      'releaseNotes.de': 'Fehler behoben.',
    });
    expect(res.status).toBe(201);
    const infoUrl = `${server.url}/notes/notes%40example.org/1.0/%APP_LOCALE%`;
    expect(await (await fetch(`${server.url}/updates/${ID}/update.rdf`)).text()).toContain(`<em:updateInfoURL>${infoUrl}</em:updateInfoURL>`);
    expect((await (await fetch(`${server.url}/updates/${ID}/update.json`)).json()).addons[ID].updates[0].update_info_url).toBe(infoUrl);

    const german = await fetch(`${server.url}/notes/${ID}/1.0/de-DE`);
    expect(german.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await german.text()).toContain('Fehler behoben.');
    const english = await (await fetch(`${server.url}/notes/${ID}/1.0/en-US`)).text();
    expect(english).toContain('Fixed &lt;script&gt;alert(1)&lt;/script&gt; handling.');
    expect(english).toContain('<p>Second paragraph.</p>');
    expect((await fetch(`${server.url}/notes/${ID}/1.0`)).status).toBe(200);
    expect((await fetch(`${server.url}/notes/${ID}/9.9/en`)).status).toBe(404);
  });

  it('keeps a publisher-given updateInfoURL and refuses malformed notes', async () => {
    const given = await publish(server, server.token, await xpi('1.1'), { updateInfoURL: 'https://example.org/n/1.1', releaseNotes: 'x' });
    expect(given.status).toBe(201);
    expect(await (await fetch(`${server.url}/updates/${ID}/update.rdf`)).text()).toContain('<em:updateInfoURL>https://example.org/n/1.1</em:updateInfoURL>');
    const bad = await publish(server, server.token, await xpi('1.2'), { 'releaseNotes.<b>': 'x' });
    expect(bad.body.error.code).toBe('RELEASE_NOTES_INVALID');
  });
});
