import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  fileUrl,
  manifestUrl,
  notesUrl,
  packageFileName,
  platformKey,
  type AddonRecord,
  type VersionRecord,
} from '../catalog/addon-record.ts';
import { hashFile } from '../storage/file-hash.ts';
import { OutpostError } from '../errors.ts';
import { inspectXpi, type XpiInfo } from '../package/inspect-xpi.ts';
import type { ZipLimits } from '../package/zip-limits.ts';
import { fsyncDirectory } from '../storage/atomic-write.ts';
import type { CatalogStore } from '../storage/catalog-store.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { validateAppRange } from '../package/addon-identity.ts';
import { checkReleaseNotes } from './release-notes.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { ManifestService } from './manifests.ts';

export type PublishErrorCode =
  | 'ADDON_OWNED_BY_OTHER_KEY'
  | 'ADDON_ID_CASE_CONFLICT'
  | 'VERSION_EXISTS'
  | 'VERSION_WITHDRAWN'
  | 'UPDATE_KEY_MISMATCH'
  | 'UPDATE_INFO_URL_INVALID'
  | 'ADDON_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'TARGET_NOT_FOUND'
  | 'RANGE_INVALID'
  | 'RELEASE_NOTES_INVALID';
export class PublishError extends OutpostError<PublishErrorCode> {}

/** An upload already on disk (in the private tmp folder) with the sha256 computed while it streamed. */
export interface StagedUpload {
  path: string;
  size: number;
  sha256: string;
  /** The file name the client sent, when it sent one. */
  originalName?: string;
}

export interface PublishResult {
  status: 'created' | 'unchanged';
  id: string;
  version: string;
  type: string;
  sha256: string;
  size: number;
  links: { download: string; updateRdf?: string; storeVersions?: string };
  warnings: string[];
}

/**
 * Who asks. A token publishes only add-ons of its own key; an admin may publish any add-on (an
 * existing one keeps its key; `keyName` then only names the key for a new add-on).
 */
export interface Actor {
  /** For the audit log: `token:<id>`, `admin:<name>`. */
  name: string;
  ip?: string;
  keyName: string;
  admin?: boolean;
}

export interface PublishOptions {
  updateInfoURL?: string;
  /** Plain-text notes by locale ('' for the default), hosted at /notes/<id>/<version>/<locale>. */
  releaseNotes?: Record<string, string>;
}

export interface PublishDeps {
  layout: DataLayout;
  catalog: CatalogStore;
  keys: KeyStore;
  manifests: ManifestService;
  lock: KeyedLock;
  publicUrl: string;
  audit?: AuditLog;
  updateHash?: 'sha256' | 'sha512';
  zipLimits?: Partial<ZipLimits>;
  now?: () => Date;
}

function compactKey(key: string): string {
  return key.replace(/\s+/g, '');
}

/**
 * Publishing: inspect, check ownership and immutability, then write in the order that keeps every
 * served state consistent — the package file first, the catalog record next, the manifest last,
 * each atomically. A failure after the first write undoes what was written.
 */
export class PublishService {
  private readonly now: () => Date;

  constructor(private readonly deps: PublishDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async publish(upload: StagedUpload, actor: Actor, options: PublishOptions = {}): Promise<PublishResult> {
    if (options.updateInfoURL !== undefined && !/^https?:\/\/[^\s]+$/i.test(options.updateInfoURL)) {
      throw new PublishError('UPDATE_INFO_URL_INVALID', 'updateInfoURL must be an absolute http(s) URL.');
    }
    const notes = checkReleaseNotes(options.releaseNotes);
    const info = await inspectXpi(await openZipFile(upload.path), this.deps.zipLimits);
    const result = await this.deps.lock.run(info.id, () => this.store(upload, info, actor, options.updateInfoURL, notes));
    if (result.status === 'created') {
      await this.audit(actor, 'publish', info.id, { version: info.version, sha256: result.sha256, size: result.size });
    }
    return result;
  }

  private async audit(actor: Actor, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    await this.deps.audit?.record({ actor: actor.name, action, target, details, ...(actor.ip ? { ip: actor.ip } : {}) });
  }

  /** The key that signs an add-on: its owner's, or for a new add-on the actor's. */
  private ownerKey(record: AddonRecord | undefined, actor: Actor, id: string): string {
    if (!record) return actor.keyName;
    if (record.publisherKey !== actor.keyName && !actor.admin) {
      throw new PublishError('ADDON_OWNED_BY_OTHER_KEY', `${id} belongs to another publisher key; use a token of that key.`);
    }
    return record.publisherKey;
  }

  private keyChecks(info: XpiInfo, updateKey: string): string[] {
    if (info.updateKey !== undefined && compactKey(info.updateKey) !== compactKey(updateKey)) {
      throw new PublishError(
        'UPDATE_KEY_MISMATCH',
        `The package's em:updateKey is not this publisher's key: clients would reject every manifest Outpost signs. Run \`outpost install-key\` with the publisher key, or publish with a token of the key the add-on carries.`,
      );
    }
    const warnings: string[] = [];
    const ownManifest = manifestUrl(this.deps.publicUrl, info.id);
    if (info.updateURL !== undefined && info.updateURL !== ownManifest) {
      warnings.push(`The package's update URL is ${info.updateURL}, not this server's ${ownManifest}: clients will not see updates published here.`);
    }
    return warnings;
  }

  private async store(upload: StagedUpload, info: XpiInfo, actor: Actor, givenInfoURL: string | undefined, notes: Record<string, string> | undefined): Promise<PublishResult> {
    // Hosted notes get a stable URL unless the publisher points elsewhere.
    const updateInfoURL = givenInfoURL ?? (notes ? notesUrl(this.deps.publicUrl, info.id, info.version) : undefined);
    const { catalog, layout, manifests } = this.deps;
    const previous = catalog.get(info.id);
    const twin = previous ? undefined : catalog.idIgnoringCase(info.id);
    if (twin !== undefined) {
      throw new PublishError('ADDON_ID_CASE_CONFLICT', `${info.id} differs from the existing add-on ${twin} only in case; on case-insensitive file systems and CDNs they are one. Use the existing id or another one.`);
    }
    const keyName = this.ownerKey(previous, actor, info.id);
    const warnings = [...info.warnings, ...this.keyChecks(info, (await this.deps.keys.info(keyName)).updateKey)];
    // One version may have several packages, one per set of target platforms.
    const existing = previous?.versions.find((v) => v.version === info.version && platformKey(v.targetPlatforms) === platformKey(info.targetPlatforms));
    if (existing) {
      if (existing.sha256 !== upload.sha256) {
        const platforms = info.targetPlatforms.length ? ` for ${info.targetPlatforms.join(', ')}` : '';
        throw new PublishError('VERSION_EXISTS', `${info.id} ${info.version}${platforms} is already published with different content. Versions are immutable: publish a new version number.`);
      }
      if (existing.withdrawnAt) {
        throw new PublishError('VERSION_WITHDRAWN', `${info.id} ${info.version} was withdrawn; publish a new version number.`);
      }
      await rm(upload.path, { force: true });
      return this.result('unchanged', previous!, existing, warnings);
    }

    const at = this.now().toISOString();
    const version: VersionRecord = {
      version: info.version,
      format: info.format,
      name: info.name,
      targets: info.targetApplications.map((t) => ({ appId: t.id, minVersion: t.minVersion, maxVersion: t.maxVersion })),
      targetPlatforms: info.targetPlatforms,
      file: packageFileName(info.id, info.version, 'xpi', info.targetPlatforms),
      size: upload.size,
      sha256: upload.sha256,
      ...(this.deps.updateHash === 'sha512' ? { sha512: (await hashFile(upload.path, ['sha512'])).sha512 } : {}),
      ...(updateInfoURL ? { updateInfoURL } : {}),
      ...(notes ? { notes } : {}),
      publishedAt: at,
    };
    const record: AddonRecord = {
      id: info.id,
      type: info.type === 'other' ? 'item' : info.type,
      name: info.name,
      publisherKey: keyName,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      revision: (previous?.revision ?? 0) + 1,
      versions: [...(previous?.versions ?? []), version],
    };
    // Sign before writing anything: a key problem must leave the data folder untouched.
    const docs = await manifests.render(record);
    const target = layout.filePath(info.id, version.file);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    // Uploads are staged private (0600); served files must be readable by a separate nginx user.
    await chmod(upload.path, 0o644);
    await rename(upload.path, target);
    await fsyncDirectory(path.dirname(target));
    try {
      await catalog.save(record);
      await manifests.write(record, docs);
    } catch (err) {
      await this.undo(info.id, previous, target);
      throw err;
    }
    return this.result('created', record, version, warnings);
  }

  private async undo(id: string, previous: AddonRecord | undefined, file: string): Promise<void> {
    await this.deps.catalog.restore(id, previous).catch(() => undefined);
    if (previous) await this.deps.manifests.write(previous, await this.deps.manifests.render(previous)).catch(() => undefined);
    await rm(file, { force: true });
  }

  private result(status: PublishResult['status'], record: AddonRecord, version: VersionRecord, warnings: string[]): PublishResult {
    return {
      status,
      id: record.id,
      version: version.version,
      type: record.type,
      sha256: version.sha256,
      size: version.size,
      links: { download: fileUrl(this.deps.publicUrl, record.id, version.file), updateRdf: manifestUrl(this.deps.publicUrl, record.id) },
      warnings,
    };
  }

  /** Takes a version out of the manifest (re-signed) and moves its file aside, unserved. */
  async withdraw(id: string, versionName: string, actor: Actor): Promise<AddonRecord> {
    const updated = await this.deps.lock.run(id, async () => {
      const { catalog, layout, manifests } = this.deps;
      const previous = catalog.get(id);
      if (!previous) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${id}.`);
      this.ownerKey(previous, actor, id);
      // Every package of the version goes (a version may have one per platform).
      const packages = previous.versions.filter((v) => v.version === versionName && !v.withdrawnAt);
      if (packages.length === 0) throw new PublishError('VERSION_NOT_FOUND', `${id} has no published version ${versionName}.`);
      const at = this.now().toISOString();
      const record: AddonRecord = {
        ...previous,
        updatedAt: at,
        revision: previous.revision + 1,
        versions: previous.versions.map((v) => (packages.includes(v) ? { ...v, withdrawnAt: at } : v)),
      };
      const docs = await manifests.render(record);
      await catalog.save(record);
      await manifests.write(record, docs);
      // Only once no manifest points at them do the files leave the public tree.
      for (const version of packages) {
        const aside = layout.withdrawnPath(id, version.file);
        await mkdir(path.dirname(aside), { recursive: true, mode: 0o700 });
        await rename(layout.filePath(id, version.file), aside).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      return record;
    });
    await this.audit(actor, 'withdraw', id, { version: versionName });
    return updated;
  }

  /**
   * Changes one application's compatibility range of a published version, as addons.mozilla.org
   * lets authors do without a new upload; the manifest is rebuilt and re-signed at once.
   */
  async editRange(id: string, versionName: string, appId: string, range: { minVersion: string; maxVersion: string }, actor: Actor): Promise<AddonRecord> {
    // The same rule as on upload, so a range the editor refuses can never arrive in a package.
    validateAppRange(range.minVersion, range.maxVersion, appId);
    let before: { minVersion: string; maxVersion: string } | undefined;
    const updated = await this.deps.lock.run(id, async () => {
      const { catalog, manifests } = this.deps;
      const previous = catalog.get(id);
      if (!previous) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${id}.`);
      this.ownerKey(previous, actor, id);
      // The range belongs to the version: every package of it (one per platform) follows.
      const packages = previous.versions.filter((v) => v.version === versionName && !v.withdrawnAt);
      if (packages.length === 0) throw new PublishError('VERSION_NOT_FOUND', `${id} has no published version ${versionName}.`);
      const target = packages.flatMap((v) => v.targets).find((t) => t.appId === appId);
      if (!target) throw new PublishError('TARGET_NOT_FOUND', `${id} ${versionName} does not target ${appId}.`);
      before = { minVersion: target.minVersion, maxVersion: target.maxVersion };
      const record: AddonRecord = {
        ...previous,
        updatedAt: this.now().toISOString(),
        revision: previous.revision + 1,
        versions: previous.versions.map((v) =>
          packages.includes(v) ? { ...v, targets: v.targets.map((t) => (t.appId === appId ? { ...t, ...range } : t)) } : v,
        ),
      };
      const docs = await manifests.render(record);
      await catalog.save(record);
      await manifests.write(record, docs);
      return record;
    });
    await this.audit(actor, 'edit-range', id, { version: versionName, appId, before, after: range });
    return updated;
  }
}
