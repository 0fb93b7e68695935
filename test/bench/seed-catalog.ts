import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_KEY_NAME } from '../../src/app/outpost.ts';
import { prepareToServe } from '../../src/app/startup.ts';
import { packageFileName, type AddonRecord } from '../../src/catalog/addon-record.ts';
import type { RenderedDocument } from '../../src/catalog/update-documents.ts';
import { FIREFOX_ID } from '../helpers/build-xpi.ts';
import { openInProcess } from './fixtures.ts';

const DIGITS = 5;
const PLACEHOLDER = 'X'.repeat(DIGITS);

export function seededId(i: number): string {
  return `addon-${String(i).padStart(DIGITS, '0')}@bench.example.org`;
}

function templateRecord(versions: number): AddonRecord {
  const id = `addon-${PLACEHOLDER}@bench.example.org`;
  const at = new Date('2025-01-01T00:00:00Z').toISOString();
  const record: AddonRecord = { id, type: 'extension', name: `Bench add-on ${PLACEHOLDER}`, publisherKey: DEFAULT_KEY_NAME, createdAt: at, updatedAt: at, revision: 0, versions: [] };
  for (let v = 1; v <= versions; v++) {
    record.versions.push({
      version: `1.${v}`,
      format: 'install.rdf',
      name: record.name,
      targets: [{ appId: FIREFOX_ID, minVersion: '52.0', maxVersion: '115.*' }],
      targetPlatforms: [],
      file: packageFileName(id, `1.${v}`, 'xpi'),
      size: 1000 + v,
      sha256: String(v).repeat(64),
      publishedAt: at,
    });
    record.revision++;
  }
  return record;
}

/**
 * Fills a data folder with `count` add-ons of one to three versions each: catalog record,
 * update.rdf, rendered-revision mark. The documents are rendered and signed by the app's own
 * ManifestService once per shape (1, 2, 3 versions) for a placeholder id that each add-on's id
 * then replaces (same length, so every byte but the id is what the app writes): signing 100 000
 * documents for real would take minutes on 2 cores, and no benchmark verifies the signatures of
 * seeded add-ons (publishes during the benchmarks are signed for real). Only update.rdf of the
 * served documents is written, and no package file: nothing asks for the others, and every file
 * less is time saved creating and removing the folder.
 *
 * Files are written without the app's fsyncs; the app's own loaders then open the result (see
 * verifySeed), so a drift in the on-disk format cannot go unnoticed.
 */
export async function seedCatalog(storage: string, keysDir: string, count: number, concurrency = 64): Promise<void> {
  const { outpost } = await openInProcess(storage, keysDir);
  const { layout, manifests } = outpost;
  const shapes: { record: string; revision: string; docs: RenderedDocument[] }[] = [];
  try {
    // On the still empty catalog: records what the documents are rendered with (public URL, hash),
    // so the server's start-up does not take the seeded documents for stale ones.
    await prepareToServe(outpost);
    for (let versions = 1; versions <= 3; versions++) {
      const record = templateRecord(versions);
      const docs = (await manifests.render(record)).filter((d) => d.path === 'update.rdf');
      shapes.push({ record: `${JSON.stringify(record, null, 2)}\n`, revision: `${record.revision}\n`, docs });
    }
  } finally {
    await outpost.close();
  }
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const digits = String(i).padStart(DIGITS, '0');
      const id = seededId(i);
      const shape = shapes[i % 3]!;
      const fill = (text: string) => text.replaceAll(PLACEHOLDER, digits);
      const dir = path.dirname(layout.manifestPath(id));
      await mkdir(dir, { mode: 0o755 });
      await Promise.all([
        writeFile(layout.recordPath(id), fill(shape.record), { mode: 0o600 }),
        ...shape.docs.map((doc) => writeFile(path.join(dir, doc.path), fill(doc.body), { mode: 0o644 })),
      ]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Every add-on's rendered mark, in the one file the server reads them from.
  const marks = Array.from({ length: count }, (_, i) => `${seededId(i)}\t${shapes[i % 3]!.revision}`).join('');
  await writeFile(layout.renderedLog, marks, { mode: 0o600 });
  await verifySeed(storage, keysDir, count);
}

/**
 * Opens the seeded folder the way the server does: every record loads (this first open also
 * writes the catalog index), and start-up finds nothing to rebuild.
 */
async function verifySeed(storage: string, keysDir: string, count: number): Promise<void> {
  const { outpost } = await openInProcess(storage, keysDir);
  try {
    // CatalogStore leaves out (and logs) records it cannot read, so the count catches those.
    if (outpost.catalog.size !== count) throw new Error(`seeded catalog loads ${outpost.catalog.size} add-ons, expected ${count}`);
    const report = await prepareToServe(outpost);
    if (report.rebuilt.length || report.failed.length) {
      throw new Error(`seeded documents are not what the app expects: ${report.rebuilt.length} rebuilt, ${report.failed.length} failed`);
    }
  } finally {
    await outpost.close();
  }
}
