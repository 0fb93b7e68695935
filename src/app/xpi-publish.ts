import { withPrivateWarning } from './private-warning.ts';
import { commitChange, iconKey, packageKey, type ChangeDeps } from './addon-changes.ts';
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
import { inspectXpi, type XpiInfo } from '../package/inspect-xpi.ts';
import type { ZipLimits } from '../package/zip-limits.ts';
import { writeObject } from '../storage/objects/object-bytes.ts';
import { ICON_EXTENSIONS } from '../package/addon-icon.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { checkReleaseNotes } from './release-notes.ts';
import type { TaskLock } from './shared-lock.ts';
import { PublishError, type Actor } from './publish-errors.ts';
import { publishCandidate, type Candidate, type PackageKind, type PublishResult, type StagedUpload, type Stored } from './publish-pipeline.ts';

export interface PublishOptions {
  updateInfoURL?: string;
  /** Plain-text notes by locale ('' for the default), hosted at /notes/<id>/<version>/<locale>. */
  releaseNotes?: Record<string, string>;
}

interface XpiCandidate extends Candidate {
  readonly info: XpiInfo;
  readonly upload: StagedUpload;
  readonly updateInfoURL: string | undefined;
  readonly notes: Record<string, string> | undefined;
}

export interface PublishDeps extends ChangeDeps {
  keys: KeyStore;
  lock: TaskLock;
  publicUrl: string;
  updateHash?: 'sha256' | 'sha512';
  zipLimits?: Partial<ZipLimits>;
  now?: () => Date;
}

function compactKey(key: string): string {
  return key.replace(/\s+/g, '');
}

/**
 * Publishing XPIs (install.rdf and WebExtension): inspect, the shared pipeline's checks
 * (publish-pipeline.ts), the update key rules, then a new record handed to commitChange, which
 * writes in the one order that keeps every served state consistent and recoverable (package file,
 * record, documents, audit entry).
 */
export class XpiPublishService {
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
    // Hosted notes get a stable URL unless the publisher points elsewhere.
    const updateInfoURL = options.updateInfoURL ?? (notes ? notesUrl(this.deps.publicUrl, info.id, info.version) : undefined);
    const platforms = info.targetPlatforms.length ? ` for ${info.targetPlatforms.join(', ')}` : '';
    const candidate: XpiCandidate = { id: info.id, version: `${info.version}${platforms}`, sha256: upload.sha256, warnings: info.warnings, info, upload, updateInfoURL, notes };
    return publishCandidate(this.deps, this.kind, candidate, actor);
  }

  private readonly kind: PackageKind<XpiCandidate, AddonRecord, VersionRecord> = {
    noun: 'add-on',
    lockKey: (c) => c.id,
    current: (id) => this.deps.catalog.get(id),
    idIgnoringCase: (id) => this.deps.catalog.idIgnoringCase(id),
    // One version may have several packages, one per set of target platforms.
    existing: (record, { info }) => {
      const entry = record.versions.find((v) => v.version === info.version && platformKey(v.targetPlatforms) === platformKey(info.targetPlatforms));
      return entry && { sha256: entry.sha256, withdrawnAt: entry.withdrawnAt, entry };
    },
    check: (previous, c, keyName) => this.keyChecks(c.info, keyName, previous),
    store: (previous, c, keyName, actor) => this.store(previous, c, keyName, actor),
    answer: (status, record, entry, warnings) => this.result(status, record, entry, [...warnings]),
  };

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

  private async store(previous: AddonRecord | undefined, c: XpiCandidate, keyName: string, actor: Actor): Promise<Stored<AddonRecord, VersionRecord>> {
    const { info, upload, updateInfoURL, notes } = c;
    const at = this.now().toISOString();
    // Named like the package, so each package of a version (one per platform) has its own.
    const icon = info.icon && { file: packageFileName(info.id, info.version, ICON_EXTENSIONS[info.icon.contentType], info.targetPlatforms), contentType: info.icon.contentType };
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
      ...(info.description ? { description: info.description } : {}),
      ...(info.author ? { author: info.author } : {}),
      ...(icon ? { icon } : {}),
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
      // A private add-on stays private: its new package goes where its others are.
      ...(previous?.private ? { private: true as const } : {}),
      lastChange: { action: 'publish', actor: actor.name, ...(actor.ip ? { ip: actor.ip } : {}), details: { version: info.version, sha256: upload.sha256, size: upload.size } },
    };
    // Before the record: no record ever names an icon that is not there (one left by a failed
    // publish is overwritten by the next, and served by nothing meanwhile).
    if (icon) await writeObject(this.deps.objects, iconKey(record, icon.file), info.icon!.bytes);
    await commitChange(this.deps, previous, record, {
      file: version.file,
      beforeSave: () => this.deps.objects.adopt(upload.path, packageKey(record, version), upload.size),
    });
    // commitChange logs the audit entry itself: recovery must know whether it was written.
    return { record, entry: version };
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
      warnings: withPrivateWarning(warnings, record.private, 'add-on'),
    };
  }
}
