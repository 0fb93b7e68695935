import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseQueryString } from 'node:querystring';
import { generateKeyPairSync } from 'node:crypto';
import type { AddonRecord } from '../../../src/catalog/addon-record.ts';
import { UpdateQueryService } from '../../../src/app/update-queries.ts';
import { updateQueryFrom } from '../../../src/http/routes/update-queries.ts';
import type { ManifestService } from '../../../src/app/manifests.ts';
import { APP } from '../../../src/manifest/update-selection.ts';
import { signerFromPrivateKey } from '../../../src/signing/signer.ts';
import type { CatalogStore } from '../../../src/storage/catalog-store.ts';
import { DataLayout } from '../../../src/storage/data-layout.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';
import { processAlive as isAlive } from '../../../src/storage/file-lock.ts';

/**
 * `GET /update?<query>`: the query string as Express 5 parses it (its default "simple" parser is
 * node:querystring), mapped to an UpdateQuery the way src/http/routes/update-queries.ts does, then
 * answered by the real UpdateQueryService over one fixed add-on, through the route's own mapping.
 *
 * Invariant checked besides "only OutpostErrors": the service may only serve documents from the
 * add-on's own folder. Canary documents sit in the folders above it; answering with one means a
 * query value walked out of public/updates/<id>/.
 */
const ID = 'fuzz@example.org';
const CANARY = 'CANARY: served from outside the add-on folder';
const PREFIX = 'outpost-fuzz-update-query-';

// Test workers and killed fuzz workers often end without an 'exit' event, so each folder is named
// after its process and removed by a later load once that process is gone.
for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(PREFIX))) {
  const owner = Number(name.slice(PREFIX.length).split('-')[0]);
  if (Number.isInteger(owner) && owner !== process.pid && !isAlive(owner)) {
    rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}
const root = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
const layout = new DataLayout(root);
for (const dir of [root, layout.publicDir, path.join(layout.publicDir, 'updates')]) {
  mkdirSync(dir, { recursive: true });
  for (const name of ['update.json', 'update.rdf']) writeFileSync(path.join(dir, name), CANARY);
}
// The add-on's own pre-rendered documents, so the static fast path has something legitimate to find.
const addonDir = path.dirname(layout.manifestPath(ID));
mkdirSync(path.join(addonDir, APP.firefox, 'Linux'), { recursive: true });
writeFileSync(path.join(addonDir, APP.firefox, 'update.json'), '{"addons":{}}');
writeFileSync(path.join(addonDir, APP.firefox, 'Linux', 'update.json'), '{"addons":{}}');

const version = (v: string, targetPlatforms: string[], maxVersion = '*') => ({
  version: v,
  format: 'install.rdf' as const,
  name: 'Fuzz',
  targets: [
    { appId: APP.firefox, minVersion: '52.0', maxVersion },
    { appId: APP.seamonkey, minVersion: '2.49', maxVersion: '2.53.*' },
    { appId: APP.paleMoon, minVersion: '28.0', maxVersion: '33.*' },
  ],
  targetPlatforms,
  file: `fuzz-${v}${targetPlatforms.length ? `-${targetPlatforms.join('-')}` : ''}.xpi`,
  size: 1,
  sha256: '0'.repeat(64),
  publishedAt: '2024-01-01T00:00:00.000Z',
});
const RECORD: AddonRecord = {
  id: ID,
  type: 'extension',
  name: 'Fuzz',
  publisherKey: 'fuzz',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  revision: 1,
  versions: [version('1.0', []), version('1.1b2', ['Linux_x86_64-gcc3']), version('2.0', ['WINNT'], '115.*')],
};

// 1024 bits: signing cost per input matters here, key strength does not.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const signer = signerFromPrivateKey(privateKey);
// Every id finds the add-on, so mutations of the other fields are not cut short by ADDON_NOT_FOUND.
const catalog = { get: () => RECORD, revision: () => RECORD.revision, load: async () => RECORD } as unknown as CatalogStore;
const manifests = { documentOptions: async () => ({ signer, publicUrl: 'https://updates.example.org' }) } as unknown as ManifestService;
// Answers come from the record alone now (no disk reads); the canaries stay as a tripwire.
const service = new UpdateQueryService(catalog, manifests);

export async function fuzz(data: Buffer): Promise<void> {
  const q = parseQueryString(data.toString('utf8'));
  await expectOnlyOutpostErrors(async () => {
    const query = updateQueryFrom(q, typeof q.id === 'string' && q.id !== '' ? q.id : ID);
    const { body } = await service.answer(query);
    if (body.toString() === CANARY) {
      throw new Error(`update query ${JSON.stringify(query)} was answered with a document from outside the add-on's folder`);
    }
  });
}
