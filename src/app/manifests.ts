import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { toUpdateModel, type AddonRecord } from '../catalog/addon-record.ts';
import { renderUpdateRdf } from '../manifest/update-rdf.ts';
import { writeFileAtomic } from '../storage/atomic-write.ts';
import type { CatalogStore } from '../storage/catalog-store.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import type { SignerCache } from './signer-cache.ts';

/**
 * Builds, signs and writes an add-on's served manifests. Rendering is separate from writing so a
 * publish can prove the manifest can be built and signed before it changes anything on disk.
 */
export class ManifestService {
  private readonly writeListeners: ((file: string) => void)[] = [];

  constructor(
    private readonly layout: DataLayout,
    private readonly signers: SignerCache,
    private readonly publicUrl: string,
  ) {}

  /** Lets caches of served files drop a manifest as soon as it is rewritten. */
  onWrite(listener: (file: string) => void): void {
    this.writeListeners.push(listener);
  }

  async render(record: AddonRecord): Promise<string> {
    const signer = await this.signers.get(record.publisherKey);
    return renderUpdateRdf([toUpdateModel(record, this.publicUrl)], { signer });
  }

  async write(record: AddonRecord, updateRdf: string): Promise<void> {
    const file = this.layout.manifestPath(record.id);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await writeFileAtomic(file, updateRdf, { mode: 0o644 });
    for (const listener of this.writeListeners) listener(file);
    // Remember which catalog revision is being served, for crash recovery at start-up.
    await writeFileAtomic(this.layout.renderedPath(record.id), `${record.revision}\n`, { mode: 0o600 });
  }

  /** Synchronous on purpose: it runs at start-up, once per add-on, before anything is served. */
  renderedRevision(id: string): number | undefined {
    try {
      return Number.parseInt(readFileSync(this.layout.renderedPath(id), 'utf8'), 10);
    } catch {
      return undefined;
    }
  }

  /**
   * After a crash between saving a record and writing its manifest, the served manifest is the
   * previous consistent one; this brings it up to date. Returns the ids it rebuilt.
   */
  async reconcile(catalog: CatalogStore): Promise<{ rebuilt: string[]; failed: { id: string; error: Error }[] }> {
    const rebuilt: string[] = [];
    const failed: { id: string; error: Error }[] = [];
    for (const record of catalog.list()) {
      if (this.renderedRevision(record.id) === record.revision) continue;
      try {
        await this.write(record, await this.render(record));
        rebuilt.push(record.id);
      } catch (error) {
        failed.push({ id: record.id, error: error as Error });
      }
    }
    return { rebuilt, failed };
  }
}
