import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { APP } from '../../src/manifest/update-selection.ts';
import { buildXpi, installRdf } from '../helpers/build-xpi.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';

const ID = 'multi@example.org';
const FF = APP.firefox;
const TB = APP.thunderbird;
const SM = APP.seamonkey;

const xpi = (version: string, targets: { id: string; minVersion: string; maxVersion: string }[], targetPlatforms: string[] = []) =>
  buildXpi({ 'install.rdf': installRdf({ id: ID, version, targets, targetPlatforms }), 'x.js': `${version} ${targetPlatforms.join()}` });

describe('per-application documents and update queries', () => {
  let server: TestServer;
  const get = (p: string) => rawGet(`${server.url}${p}`);
  const json = async (p: string) => {
    const res = await get(p);
    expect(res.headers['content-type'], p).toBe('application/json');
    return JSON.parse(res.body.toString()).addons[ID].updates as { version: string; update_link: string; applications?: unknown }[];
  };

  beforeAll(async () => {
    server = await startServer();
    const uploads = [
      await xpi('1.0', [{ id: FF, minVersion: '45.0', maxVersion: '56.*' }, { id: SM, minVersion: '2.40', maxVersion: '2.49.*' }]),
      await xpi('2.0', [{ id: FF, minVersion: '57.0', maxVersion: '115.*' }, { id: TB, minVersion: '60.0', maxVersion: '102.*' }]),
      await xpi('3.0', [{ id: FF, minVersion: '115.0', maxVersion: '*' }]),
      await xpi('3.0', [{ id: FF, minVersion: '115.0', maxVersion: '*' }], ['WINNT_x86_64-msvc']),
    ];
    for (const u of uploads) expect((await publish(server, server.token, u)).status).toBe(201);
  });
  afterAll(() => server.close());

  it('keeps one package per version and platform set: same version for another platform is a new package', async () => {
    const again = await publish(server, server.token, await xpi('3.0', [{ id: FF, minVersion: '115.0', maxVersion: '*' }], ['WINNT_x86_64-msvc']));
    expect(again.status).toBe(200);
    const changed = await publish(server, server.token, await xpi('3.0', [{ id: FF, minVersion: '115.0', maxVersion: '200.*' }], ['WINNT_x86_64-msvc']));
    expect(changed.body.error.code).toBe('VERSION_EXISTS');
  });

  it('serves update.json with Firefox ranges under applications.gecko, every version newest first', async () => {
    const updates = await json(`/updates/${ID}/update.json`);
    expect(updates.map((u) => u.version)).toEqual(['3.0', '2.0', '1.0']);
    expect(updates[0]!.applications).toEqual({ gecko: { strict_min_version: '115.0' } });
    expect(updates[1]!.applications).toEqual({ gecko: { strict_min_version: '57.0', strict_max_version: '115.*' } });
    expect(updates[0]!.update_link).not.toMatch(/WINNT/);
    const raw = (await get(`/updates/${ID}/update.json`)).body.toString();
    expect(raw).not.toContain('browser_specific_settings');
  });

  it('pre-renders documents per application and platform; update.rdf ones are signed', async () => {
    expect((await json(`/updates/${ID}/${TB}/update.json`)).map((u) => u.version)).toEqual(['2.0']);
    expect((await json(`/updates/${ID}/${FF}/WINNT_x86_64-msvc/update.json`)).map((u) => u.update_link.includes('WINNT'))).toEqual([true, false, false]);
    const rdf = (await get(`/updates/${encodeURIComponent(ID)}/${encodeURIComponent(SM)}/update.rdf`)).body.toString();
    expect(rdf).toContain('<em:version>1.0</em:version>');
    expect(rdf).not.toContain('<em:version>2.0</em:version>');
    expect(verifyUpdateRdf(rdf, server.updateKey, { id: ID })[0]!.ok).toBe(true);
  });

  it('answers client queries: format by application and version, compatMode, platform', async () => {
    const q = (s: string) => `/updates/${encodeURIComponent(ID)}?reqVersion=2&id=${encodeURIComponent(ID)}&version=1.0&${s}`;
    expect((await json(q(`appID=${encodeURIComponent(FF)}&appVersion=60.0&compatMode=strict&appOS=Linux&appABI=x86_64-gcc3`))).map((u) => u.version)).toEqual(['2.0']);
    expect((await json(q(`appID=${FF}&appVersion=130.0&compatMode=normal&appOS=WINNT&appABI=x86_64-msvc`))).map((u) => u.update_link.includes('WINNT'))).toEqual([true, false, false]);
    expect((await json(q(`appID=${FF}&appVersion=130.0&compatMode=strict&appOS=Linux&appABI=x86_64-gcc3`))).map((u) => u.version)).toEqual(['3.0']);
    const legacy = await get(q(`appID=${FF}&appVersion=52.9&compatMode=strict&appOS=Linux&appABI=x86_64-gcc3`));
    expect(legacy.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(verifyUpdateRdf(legacy.body, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    expect(legacy.body.toString()).toContain('<em:version>1.0</em:version>');
    expect((await json(`/update?id=${encodeURIComponent(ID)}&appID=${TB}&appVersion=91.0&compatMode=strict`)).map((u) => u.version)).toEqual(['2.0']);
    const oldTb = await get(`/update?id=${ID}&appID=${TB}&appVersion=52.0`);
    expect(oldTb.headers['content-type']).toBe('text/xml; charset=utf-8');
  });

  it('gives the pre-rendered bytes when nothing is filtered, and an empty but valid document when nothing matches', async () => {
    const dynamic = await get(`/updates/${ID}?appID=${FF}&appOS=WINNT&appABI=x86_64-msvc`);
    const stat = await get(`/updates/${ID}/${FF}/WINNT_x86_64-msvc/update.json`);
    expect(dynamic.body.equals(stat.body)).toBe(true);
    expect((await get(`/updates/${ID}?appID=${FF}&appOS=Linux&appABI=x86-gcc3`)).body.equals((await get(`/updates/${ID}/${FF}/update.json`)).body)).toBe(true);
    expect(await json(`/updates/${ID}?appID=${encodeURIComponent('{00000000-0000-0000-0000-000000000000}')}&appVersion=1.0`)).toEqual([]);
    const none = await get(`/updates/${ID}?appID=${SM}&appVersion=2.53.1&compatMode=strict`);
    expect(verifyUpdateRdf(none.body, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    expect(none.body.toString()).not.toContain('<em:version>');
    expect((await get(`/updates/unknown@example.org?appID=${FF}`)).status).toBe(404);
    expect((await get(`/update?appID=${FF}`)).status).toBe(404);
  });

  it('drops documents for platforms that no longer have packages', async () => {
    const res = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/3.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    expect((await get(`/updates/${ID}/${FF}/WINNT_x86_64-msvc/update.json`)).status).toBe(404);
    expect((await json(`/updates/${ID}/update.json`)).map((u) => u.version)).toEqual(['2.0', '1.0']);
  });
});
