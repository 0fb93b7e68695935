import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_KEY_NAME } from '../../src/app/outpost.ts';
import { packageFileName, type AddonRecord } from '../../src/catalog/addon-record.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { openInProcess } from './fixtures.ts';

export function seededId(i: number): string {
  return `addon-${String(i).padStart(5, '0')}@bench.example.org`;
}

const TARGETS = [
  { appId: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' },
  { appId: '{3550f703-e582-4d05-9a08-453d09bdfdc6}', minVersion: '52.0', maxVersion: '102.*' },
];

/**
 * Fills a data folder with `count` add-ons of one to three versions each: a real (tiny, stored) XPI
 * per version in public/files, the catalog record, the update.rdf rendered and signed by the app's
 * own ManifestService, and the rendered-revision file. Records are built the way PublishService
 * builds them; inspecting 10 000 uploads would add nothing the benchmark measures.
 *
 * The files are written without the app's fsyncs (~7 per publish, 0.75 ms each here, which alone
 * would take a minute); the app's own loaders then check the result (see verifySeed), so a drift
 * in the on-disk format cannot go unnoticed.
 */
export async function seedCatalog(storage: string, keysDir: string, count: number, concurrency = 32): Promise<void> {
  const { outpost } = await openInProcess(storage, keysDir);
  const { layout, manifests } = outpost;
  const at = new Date('2025-01-01T00:00:00Z').toISOString();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const id = seededId(i);
      const record: AddonRecord = { id, type: 'extension', name: `Bench add-on ${i}`, publisherKey: DEFAULT_KEY_NAME, createdAt: at, updatedAt: at, revision: 0, versions: [] };
      await mkdir(path.dirname(layout.filePath(id, 'x')), { recursive: true, mode: 0o755 });
      // One to three versions per add-on, like a catalog with some history.
      for (let v = 1; v <= 1 + (i % 3); v++) {
        const version = `1.${v}`;
        const xpi = await buildXpi({ 'install.rdf': installRdf({ id, version, name: record.name, targets: [{ id: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }] }) }, { compress: false });
        const file = packageFileName(id, version, 'xpi');
        await writeFile(layout.filePath(id, file), xpi, { mode: 0o644 });
        record.versions.push({
          version,
          format: 'install.rdf',
          name: record.name,
          targets: TARGETS,
          targetPlatforms: [],
          file,
          size: xpi.length,
          sha256: createHash('sha256').update(xpi).digest('hex'),
          publishedAt: at,
        });
        record.revision++;
      }
      const docs = await manifests.render(record);
      const dir = path.dirname(layout.manifestPath(id));
      await writeFile(layout.recordPath(id), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      for (const doc of docs) {
        await mkdir(path.dirname(path.join(dir, doc.path)), { recursive: true, mode: 0o755 });
        await writeFile(path.join(dir, doc.path), doc.body, { mode: 0o644 });
      }
      await writeFile(layout.renderedPath(id), `${record.revision}\n`, { mode: 0o600 });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await verifySeed(storage, keysDir, count);
}

/** Opens the seeded folder the way the server does: every record loads, no manifest needs rebuilding. */
async function verifySeed(storage: string, keysDir: string, count: number): Promise<void> {
  const { outpost } = await openInProcess(storage, keysDir);
  // CatalogStore leaves out (and logs) records it cannot read, so the count catches those.
  if (outpost.catalog.size !== count) throw new Error(`seeded catalog loads ${outpost.catalog.size} add-ons, expected ${count}`);
  const { rebuilt, failed } = await outpost.manifests.reconcile(outpost.catalog);
  if (rebuilt.length || failed.length) throw new Error(`seeded manifests are not what the app expects: ${rebuilt.length} rebuilt, ${failed.length} failed`);
}
