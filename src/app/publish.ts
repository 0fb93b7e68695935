import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { commitChange, type ChangeDeps } from './addon-changes.ts';
import path from 'node:path';
import {
  activeVersions,
  updateJsonUrl,
  fileUrl,
  manifestUrl,
  notesUrl,
  packageFileName,
  platformKey,
  type AddonRecord,
  type VersionRecord,
} from '../catalog/addon-record.ts';
import { hashFile } from '../storage/file-hash.ts';
import { updateUrlReachesAddon } from '../catalog/update-url-reach.ts';
import { compareVersions } from '../version/toolkit-version.ts';
import { OutpostError } from '../errors.ts';
import { inspectXpi, type XpiInfo } from '../package/inspect-xpi.ts';
import type { ZipLimits } from '../package/zip-limits.ts';
import { fsyncDirectory } from '../storage/atomic-write.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { checkReleaseNotes } from './release-notes.ts';
import type { KeyedLock } from './keyed-lock.ts';

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
  /** updateJson for WebExtensions: what their clients poll (gecko.update_url). */
  /** VPN add-ons: `index` and `signature` name the signed add-on index that lists the download. */
  links: { download: string; updateRdf?: string; updateJson?: string; storeVersions?: string; updateXml?: string; index?: string; signature?: string };
  warnings: string[];
  /** VPN add-ons: the serial of the index a change was published in. */
  serial?: number;
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

export interface PublishDeps extends ChangeDeps {
  keys: KeyStore;
  lock: KeyedLock;
  publicUrl: string;
  updateHash?: 'sha256' | 'sha512';
  zipLimits?: Partial<ZipLimits>;
  now?: () => Date;
}

function compactKey(key: string): string {
  return key.replace(/\s+/g, '');
}

/**
 * Publishing: inspect, check ownership and immutability, then hand the new record to
 * commitChange, which writes in the one order that keeps every served state consistent and
 * recoverable (package file, record, documents, audit entry).
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
    return this.deps.lock.run(info.id, () => this.store(upload, info, actor, options.updateInfoURL, notes));
  }

  /** The key that signs an add-on: its owner's, or for a new add-on the actor's. */
  private ownerKey(record: AddonRecord | undefined, actor: Actor, id: string): string {
    if (!record) return actor.keyName;
    if (record.publisherKey !== actor.keyName && !actor.admin) {
      throw new PublishError('ADDON_OWNED_BY_OTHER_KEY', `${id} belongs to another publisher key; use a token of that key.`);
    }
    return record.publisherKey;
  }

  /** The name of the local key whose updateKey is `updateKey`, if any (to name it in errors). */
  private async keyNamed(updateKey: string): Promise<string | undefined> {
    const keys = await this.deps.keys.list().catch(() => []);
    return keys.find((k) => compactKey(k.updateKey) === compactKey(updateKey))?.name;
  }

  private async keyChecks(info: XpiInfo, keyName: string, previous: AddonRecord | undefined): Promise<string[]> {
    const { updateKey } = await this.deps.keys.info(keyName);
    if (info.updateKey !== undefined && compactKey(info.updateKey) !== compactKey(updateKey)) {
      const carried = await this.keyNamed(info.updateKey);
      const short = (k: string) => `${compactKey(k).slice(-16)}`;
      throw new PublishError(
        'UPDATE_KEY_MISMATCH',
        `The package's em:updateKey (…${short(info.updateKey)}${carried ? `, key "${carried}" here` : ', not a key of this server'}) is not the key "${keyName}" (…${short(updateKey)}) that signs ${info.id}'s manifests: clients would reject every manifest Outpost signs. Run \`outpost install-key\` with key "${keyName}", or publish with a token of ${carried ? `key "${carried}"` : 'the key the add-on carries'}.`,
      );
    }
    const warnings: string[] = [];
    if (info.updateURL !== undefined && !updateUrlReachesAddon(info.updateURL, this.deps.publicUrl, info.id)) {
      const own = info.format === 'webextension' ? updateJsonUrl(this.deps.publicUrl, info.id) : manifestUrl(this.deps.publicUrl, info.id);
      warnings.push(`The package's update URL ${info.updateURL} does not lead to ${info.id} on this server (${own} does): clients will not see updates published here.`);
    }
    const newest = previous ? activeVersions(previous)[0] : undefined;
    if (newest && compareVersions(info.version, newest.version) < 0) {
      warnings.push(`${info.version} is lower than ${newest.version}, the newest version already offered: clients that have ${newest.version} will not install it.`);
    }
    return warnings;
  }

  private async store(upload: StagedUpload, info: XpiInfo, actor: Actor, givenInfoURL: string | undefined, notes: Record<string, string> | undefined): Promise<PublishResult> {
    // Hosted notes get a stable URL unless the publisher points elsewhere.
    const updateInfoURL = givenInfoURL ?? (notes ? notesUrl(this.deps.publicUrl, info.id, info.version) : undefined);
    const { catalog, layout } = this.deps;
    const previous = catalog.get(info.id);
    const twin = previous ? undefined : catalog.idIgnoringCase(info.id);
    if (twin !== undefined) {
      throw new PublishError('ADDON_ID_CASE_CONFLICT', `${info.id} differs from the existing add-on ${twin} only in case; on case-insensitive file systems and CDNs they are one. Use the existing id or another one.`);
    }
    const keyName = this.ownerKey(previous, actor, info.id);
    const warnings = [...info.warnings, ...(await this.keyChecks(info, keyName, previous))];
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
      lastChange: { action: 'publish', actor: actor.name, ...(actor.ip ? { ip: actor.ip } : {}), details: { version: info.version, sha256: upload.sha256, size: upload.size } },
    };
    const target = layout.filePath(info.id, version.file);
    await commitChange(this.deps, previous, record, {
      file: version.file,
      beforeSave: async () => {
        await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
        // Uploads are staged private (0600); served files must be readable by a separate nginx user.
        await chmod(upload.path, 0o644);
        await rename(upload.path, target);
        await fsyncDirectory(path.dirname(target));
      },
    });
    return this.result('created', record, version, warnings);
  }

  private result(status: PublishResult['status'], record: AddonRecord, version: VersionRecord, warnings: string[]): PublishResult {
    return {
      status,
      id: record.id,
      version: version.version,
      type: record.type,
      sha256: version.sha256,
      size: version.size,
      links: {
        download: fileUrl(this.deps.publicUrl, record.id, version.file),
        updateRdf: manifestUrl(this.deps.publicUrl, record.id),
        ...(version.format === 'webextension' ? { updateJson: updateJsonUrl(this.deps.publicUrl, record.id) } : {}),
      },
      warnings,
    };
  }
}
