import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ByteLru } from '../../../src/cache/byte-lru.ts';
import type { AddonRecord } from '../../../src/catalog/addon-record.ts';
import { CatalogStore } from '../../../src/storage/catalog-store.ts';
import { DataLayout } from '../../../src/storage/data-layout.ts';

const record = (id: string, revision: number, versions = ['1.0']): AddonRecord => ({
  id,
  type: 'extension',
  name: `Add-on ${id}`,
  publisherKey: 'default',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: `2025-01-0${Math.min(revision, 9)}T00:00:00.000Z`,
  revision,
  versions: versions.map((version) => ({
    version, format: 'install.rdf', name: id, targets: [], targetPlatforms: [], file: `${id}-${version}.xpi`, size: 1, sha256: '0'.repeat(64), publishedAt: '2025-01-01T00:00:00.000Z',
  })),
});

describe('CatalogStore (indexed, records read on demand)', () => {
  let root: string;
  let layout: DataLayout;
  const indexFile = () => path.join(layout.privateDir, 'addons.index');
  const open = async (cache?: ByteLru) => (await CatalogStore.open(layout, cache ? { cache } : {}));

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'outpost-catalog-'));
    layout = new DataLayout(root);
    await layout.ensure();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds records, summaries and case twins again after a restart, from the index alone', async () => {
    const { catalog } = await open();
    await catalog.save(record('a@x', 1));
    await catalog.save(record('B@x', 1, ['1.0', '2.0']));
    await catalog.save(record('a@x', 2, ['1.0', '1.1']));
    const { catalog: again, problems } = await open();
    expect(problems).toEqual([]);
    expect(again.size).toBe(2);
    expect(again.revision('a@x')).toBe(2);
    expect((await again.summaries()).find((s) => s.id === 'a@x')).toMatchObject({ revision: 2, latestVersion: '1.1', versionCount: 2 });
    expect(again.idIgnoringCase('b@X')).toBe('B@x');
    expect(again.get('a@x')).toEqual(record('a@x', 2, ['1.0', '1.1']));
    expect(await again.load('B@x')).toEqual(record('B@x', 1, ['1.0', '2.0']));
    expect(again.get('missing@x')).toBeUndefined();
    expect((await again.summaries()).map((s) => s.id).sort()).toEqual(['B@x', 'a@x']);
    expect(again.revisionList().map((r) => r.id).sort()).toEqual(['B@x', 'a@x']);
  });

  it('re-reads a record whose write was announced but never confirmed (a crash mid-change)', async () => {
    const { catalog } = await open();
    await catalog.save(record('a@x', 1));
    // What a crash after the record write and before the confirming line leaves.
    writeFileSync(layout.recordPath('a@x'), `${JSON.stringify(record('a@x', 2, ['1.0', '3.0']), null, 2)}\n`);
    appendFileSync(indexFile(), '{"w":"a@x"}\n');
    const { catalog: again } = await open();
    expect((await again.summaries()).find((s) => s.id === 'a@x')).toMatchObject({ revision: 2, latestVersion: '3.0' });
  });

  it('notices records added or removed behind its back, and ignores a torn last line', async () => {
    const { catalog } = await open();
    await catalog.save(record('a@x', 1));
    await catalog.save(record('gone@x', 1));
    unlinkSync(layout.recordPath('gone@x'));
    writeFileSync(layout.recordPath('new@x'), JSON.stringify(record('new@x', 4)));
    appendFileSync(indexFile(), '{"s":{"id":"tor');
    const { catalog: again } = await open();
    expect((await again.summaries()).map((s) => s.id).sort()).toEqual(['a@x', 'new@x']);
    // The repaired index is complete: a third start reads it without any repair.
    expect(readFileSync(indexFile(), 'utf8')).not.toContain('tor\n');
    expect((await open()).catalog.size).toBe(2);
  });

  it('rebuilds a missing or foreign index from the records, reporting unreadable ones', async () => {
    writeFileSync(layout.recordPath('a@x'), JSON.stringify(record('a@x', 1)));
    writeFileSync(path.join(layout.addonsDir, 'broken@x.json'), '{ not json');
    const { catalog, problems } = await open();
    expect(catalog.size).toBe(1);
    expect(problems.map((p) => p.file)).toEqual(['broken@x.json']);
    writeFileSync(indexFile(), 'something else\n');
    expect((await open()).catalog.size).toBe(1);
  });

  it('an undone change (restore to what it replaced) leaves the index byte for byte as it was', async () => {
    const { catalog } = await open();
    await catalog.save(record('a@x', 1));
    const before = readFileSync(indexFile());
    await catalog.save(record('a@x', 2, ['1.0', '2.0']));
    await catalog.restore('a@x', record('a@x', 1));
    expect(readFileSync(indexFile()).equals(before)).toBe(true);
    await catalog.save(record('new@x', 1));
    await catalog.restore('new@x', undefined);
    expect(readFileSync(indexFile()).equals(before)).toBe(true);
    expect(catalog.get('new@x')).toBeUndefined();
    // A second undo of the same change finds nothing left to do.
    await catalog.restore('a@x', record('a@x', 1));
    expect(readFileSync(indexFile()).equals(before)).toBe(true);
    expect((await open()).catalog.revision('a@x')).toBe(1);
  });

  it('undoing one change never takes the index lines of another id written at the same time', async () => {
    // Which of the two finishes last depends on the file system: undo each, on a folder of its own.
    for (const undone of ['a@x', 'b@x']) {
      const own = new DataLayout(mkdtempSync(path.join(tmpdir(), 'outpost-catalog-')));
      await own.ensure();
      const { catalog } = await CatalogStore.open(own);
      await Promise.all([catalog.save(record('a@x', 1)), catalog.save(record('b@x', 1))]);
      const kept = undone === 'a@x' ? 'b@x' : 'a@x';
      await catalog.restore(undone, undefined);
      expect((await catalog.summaries()).map((s) => s.id)).toEqual([kept]);
      expect((await CatalogStore.open(own)).catalog.revisionList().map((r) => r.id)).toEqual([kept]);
      rmSync(own.root, { recursive: true, force: true });
    }
  });

  it('keeps only as many full records in memory as the shared budget allows', async () => {
    const cache = new ByteLru(256 * 1024);
    const { catalog } = await open(cache);
    const versions = Array.from({ length: 20 }, (_, i) => `1.${i}`);
    for (let i = 0; i < 200; i++) await catalog.save(record(`r${i}@x`, 1, versions));
    for (let i = 0; i < 200; i++) expect(catalog.get(`r${i}@x`)?.versions).toHaveLength(20);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.size).toBeLessThan(200);
    expect(catalog.size).toBe(200);
  });

  it('compacts a log with many superseded lines at start', async () => {
    const { catalog } = await open();
    for (let r = 1; r <= 700; r++) await catalog.save(record('busy@x', r));
    const lines = () => readFileSync(indexFile(), 'utf8').trim().split('\n').length;
    expect(lines()).toBeGreaterThan(1400);
    await open();
    expect(lines()).toBe(2);
    truncateSync(indexFile(), 0);
    expect((await open()).catalog.revision('busy@x')).toBe(700);
  });
  it('rebuilds summaries written before the catalog facets existed from their records, once', async () => {
    const { catalog } = await open();
    const platformed = record('p@x', 1);
    platformed.versions[0] = { ...platformed.versions[0]!, targets: [{ appId: 'toolkit@mozilla.org', minVersion: '1', maxVersion: '2' }], targetPlatforms: ['Linux'], notes: { '': 'new' } };
    await catalog.save(platformed);
    await catalog.save(record('q@x', 1));
    // The index as the previous release wrote it: summaries without applications, platforms, latestNotes.
    const old = readFileSync(indexFile(), 'utf8').split('\n').map((line) => {
      if (!line.startsWith('{"s"')) return line;
      const { s } = JSON.parse(line) as { s: Record<string, unknown> };
      delete s.applications; delete s.platforms; delete s.anyPlatform; delete s.latestNotes;
      return JSON.stringify({ s });
    });
    writeFileSync(indexFile(), old.join('\n'));
    const { catalog: again, problems } = await open();
    expect(problems).toEqual([]);
    const summaries = new Map((await again.summaries()).map((s) => [s.id, s]));
    expect(summaries.get('p@x')).toMatchObject({ applications: ['toolkit@mozilla.org'], platforms: ['Linux'], anyPlatform: false, latestNotes: true });
    expect(summaries.get('q@x')).toMatchObject({ applications: [], platforms: [], anyPlatform: true, latestNotes: false });
    // Rewritten: every line now carries the facets, so the next start reads the index alone.
    expect(readFileSync(indexFile(), 'utf8')).not.toMatch(/"s":\{(?![^\n]*"applications")/);
  });
});
