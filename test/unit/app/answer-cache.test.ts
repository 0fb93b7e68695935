import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { UpdateQueryService, type UpdateQuery } from '../../../src/app/update-queries.ts';
import { toUpdateModel, type AddonRecord, type VersionRecord } from '../../../src/catalog/addon-record.ts';
import { defaultJsonApp, renderAllDocuments, renderForRequest, type DocumentOptions } from '../../../src/catalog/update-documents.ts';
import { renderUpdateRdf } from '../../../src/manifest/update-rdf.ts';
import { APP, clientFormat, platformRequest, type CompatMode } from '../../../src/manifest/update-selection.ts';
import { isKnownApplication } from '../../../src/names/applications.ts';
import { signerFromPrivateKey, type Signer } from '../../../src/signing/signer.ts';

const ID = 'cache@example.org';
const OTHER_APP = '{00000000-0000-0000-0000-000000000000}';
const v = (version: string, targets: [string, string, string][], targetPlatforms: string[] = [], extra: Partial<VersionRecord> = {}): VersionRecord => ({
  version,
  format: 'install.rdf',
  name: 'Cache',
  targets: targets.map(([appId, minVersion, maxVersion]) => ({ appId, minVersion, maxVersion })),
  targetPlatforms,
  file: `cache-${version}${targetPlatforms.length ? `-${targetPlatforms.join('+')}` : ''}.xpi`,
  size: 1,
  sha256: version.replace(/[^0-9]/g, '').padEnd(64, 'a').slice(0, 64),
  publishedAt: '2025-01-01T00:00:00.000Z',
  ...extra,
});
const RECORD: AddonRecord = {
  id: ID,
  type: 'extension',
  name: 'Cache',
  publisherKey: 'default',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  revision: 9,
  versions: [
    v('0.9', [[APP.firefox, '40.0', '50.*']], [], { withdrawnAt: '2025-01-02T00:00:00.000Z' }),
    v('1.0', [[APP.firefox, '45.0', '56.*'], [APP.seamonkey, '2.40', '2.49.*']]),
    v('2.0', [[APP.firefox, '57.0', '115.*'], [APP.thunderbird, '60.0', '102.*']], [], { updateInfoURL: 'https://example.org/notes/2.0' }),
    v('2.5', [[APP.firefox, '60.0', '115.*']], ['WINNT_x86_64-msvc']),
    v('3.0', [[APP.firefox, '115.0', '*']]),
    v('3.0', [[APP.firefox, '115.0', '*']], ['Linux']),
    v('3.1b1', [[APP.firefox, '115.0', '128.*'], [APP.paleMoon, '28.0', '33.*']]),
    v('3.2', [[APP.firefox, '120.0', '130.*'], [APP.thunderbird, '115.0', '128.*']], ['Darwin']),
  ],
};

const PLATFORM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const COMPAT: readonly string[] = ['strict', 'normal', 'ignore'];

/**
 * What UpdateQueryService answered before answers were cached: the pre-rendered document (first
 * of <app>/<os>_<abi>, <app>/<os>, <app>) when nothing is filtered, else a fresh rendering.
 */
function reference(record: AddonRecord, q: UpdateQuery, options: DocumentOptions, docs: Map<string, string>): { format: string; body: string } {
  const appId = q.appID || defaultJsonApp(record);
  const format = clientFormat(appId, q.appVersion) === 'rdf' ? 'rdf' : 'json';
  const os = q.appOS && PLATFORM_PART.test(q.appOS) ? q.appOS : undefined;
  const abi = q.appABI && PLATFORM_PART.test(q.appABI) ? q.appABI : undefined;
  if (q.appVersion === undefined && isKnownApplication(appId)) {
    for (const sub of [os && abi ? `${appId}/${os}_${abi}` : undefined, os ? `${appId}/${os}` : undefined, appId]) {
      const body = sub && docs.get(`${sub}/update.${format}`);
      if (body) return { format, body };
    }
  }
  const compatMode = (COMPAT.includes(q.compatMode ?? '') ? q.compatMode : 'normal') as CompatMode;
  return { format, body: renderForRequest(record, { appId, appVersion: q.appVersion, compatMode, os, abi }, format, options) };
}

function queries(): UpdateQuery[] {
  const apps = [undefined, APP.firefox, APP.firefoxAndroid, APP.thunderbird, APP.seamonkey, APP.paleMoon, OTHER_APP];
  const versions = [undefined, '1.0a1', '2.45', '2.49.5', '30.0', '45.0', '52.9', '56.0', '56.1', '57.0', '60.0', '100', '115.0', '115.0.0', '115.5', '128.5', '131.0', '200'];
  const modes = [undefined, 'strict', 'ignore', 'bogus'];
  const platforms: [string | undefined, string | undefined][] = [
    [undefined, undefined], ['WINNT', 'x86_64-msvc'], ['WINNT', 'x86-msvc'], ['Linux', 'x86_64-gcc3'], ['Darwin', undefined], ['WINNT_x86_64-msvc', undefined], ['bad/os', 'x'],
  ];
  const out: UpdateQuery[] = [];
  for (const appID of apps) for (const appVersion of versions) for (const compatMode of modes) for (const [appOS, appABI] of platforms) {
    out.push({ id: ID, ...(appID ? { appID } : {}), ...(appVersion ? { appVersion } : {}), ...(compatMode ? { compatMode } : {}), ...(appOS ? { appOS } : {}), ...(appABI ? { appABI } : {}) });
  }
  return out;
}

describe('cached update-query answers', () => {
  let signer: Signer;
  /** Signatures made through `options` (the services under test); references use `plain`. */
  let signatures = 0;
  let options: DocumentOptions;
  let plain: DocumentOptions;
  const source = (record: AddonRecord) => ({ revision: () => record.revision, load: async () => record });

  beforeAll(() => {
    // 1024 bits: thousands of reference renderings are signed here; key strength is not the point.
    signer = signerFromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    const counting: Signer = { bits: signer.bits, updateKey: signer.updateKey, sign: (data, digest) => (signatures++, signer.sign(data, digest)) };
    options = { signer: counting, publicUrl: 'https://updates.example.org' };
    plain = { signer, publicUrl: 'https://updates.example.org' };
  });

  it('pre-renders each distinct document once, with the bytes of a rendering of its own', () => {
    const before = signatures;
    const docs = renderAllDocuments(RECORD, options);
    const rdf = docs.filter((d) => d.path.endsWith('.rdf'));
    expect(signatures - before).toBe(new Set(rdf.map((d) => d.body)).size);
    expect(signatures - before).toBeLessThan(rdf.length);
    expect(docs.find((d) => d.path === 'update.rdf')!.body).toBe(renderUpdateRdf([toUpdateModel(RECORD, plain.publicUrl)], { signer }));
    for (const doc of docs.filter((d) => d.path.includes('/'))) {
      const [appId, ...rest] = doc.path.split('/');
      const file = rest.pop()!;
      const format = file === 'update.rdf' ? 'rdf' : appId === APP.paleMoon ? 'json-uxp' : 'json';
      const request = { appId: appId!, ...(rest[0] ? platformRequest(rest[0]) : {}) };
      expect(doc.body, doc.path).toBe(renderForRequest(RECORD, request, format, plain));
    }
  });

  it('answers every query of the table with exactly the bytes of a fresh rendering, signing each distinct answer once', async () => {
    const docs = new Map(renderAllDocuments(RECORD, plain).map((d) => [d.path, d.body]));
    const service = new UpdateQueryService(source(RECORD), { documentOptions: async () => options });
    const table = queries();
    expect(table.length).toBeGreaterThan(3000);
    const before = signatures;
    const distinct = new Set<string>();
    for (const q of table) {
      const cached = await service.answer(q);
      const fresh = reference(RECORD, q, plain, docs);
      expect({ format: cached.format, body: cached.body.toString() }, JSON.stringify(q)).toEqual(fresh);
      distinct.add(cached.body.toString());
    }
    // Many queries share an answer, and the service signed each rdf answer once.
    expect(distinct.size).toBeLessThan(table.length / 20);
    expect(signatures - before).toBe([...distinct].filter((b) => b.startsWith('<?xml')).length);
    // A second pass is served entirely from memory: nothing is rendered or signed again.
    const again = signatures;
    for (const q of table) expect(service.cached(q), JSON.stringify(q)).toBeDefined();
    for (const q of table.slice(0, 200)) await service.answer(q);
    expect(signatures).toBe(again);
  });

  it('builds an answer wanted by 100 concurrent requests once (one signature)', async () => {
    const service = new UpdateQueryService(source(RECORD), { documentOptions: async () => options });
    const q: UpdateQuery = { id: ID, appID: APP.seamonkey, appVersion: '2.45', compatMode: 'strict' };
    const before = signatures;
    const answers = await Promise.all(Array.from({ length: 100 }, () => service.answer(q)));
    expect(signatures - before).toBe(1);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
  });

  it('stops serving an answer as soon as the record revision changes', async () => {
    let record = RECORD;
    const service = new UpdateQueryService({ revision: () => record.revision, load: async () => record }, { documentOptions: async () => options });
    const q: UpdateQuery = { id: ID, appID: APP.firefox, appVersion: '130.0' };
    const first = (await service.answer(q)).body.toString();
    expect(service.cached(q)).toBeDefined();
    record = { ...RECORD, revision: 10, versions: RECORD.versions.map((x) => (x.version === '3.0' ? { ...x, withdrawnAt: '2025-02-01T00:00:00.000Z' } : x)) };
    expect(service.cached(q)).toBeUndefined();
    const second = (await service.answer(q)).body.toString();
    expect(second).not.toBe(first);
    expect(second).toBe(renderForRequest(record, { appId: APP.firefox, appVersion: '130.0' }, 'json', plain));
  });
});
