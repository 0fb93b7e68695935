import { withPrivateWarning } from './private-warning.ts';
import { inspectJpl, type JplPackage } from '../jami/jpl-inspect.ts';
import { jamiVersionWarnings } from '../jami/jami-version.ts';
import { verifyJpl, type JplVerification } from '../jami/jpl-verify.ts';
import type { PluginRecord, PluginVersion } from '../jami-store/plugin-record.ts';
import { compareJamiVersions } from '../jami-store/version-order.ts';
import type { Config } from '../config.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import { writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { readOperatorFiles } from '../storage/operator-files.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import { revocationFetchers } from '../storage/revocation-fetch.ts';
import type { TaskLock } from './shared-lock.ts';
import { jamiFileKey, placeJamiFiles } from './jami-visibility.ts';
import { reached, type KindRecovery, type PackageIntents } from './package-intents.ts';
import { PublishError, type Actor } from './publish-errors.ts';
import { publishCandidate, type Candidate, type PackageKind, type PublishResult, type StagedUpload, type Stored } from './publish-pipeline.ts';

interface JplCandidate extends Candidate {
  readonly upload: StagedUpload;
  readonly pkg: JplPackage;
  readonly verification: JplVerification;
  readonly allowKeyChange: boolean;
}

const IMAGE_EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg', 'image/webp': 'webp', 'image/gif': 'gif' };

export interface JamiPublishDeps {
  objects: ObjectStore;
  plugins: PluginStore;
  lock: TaskLock;
  audit?: AuditLog;
  intents: PackageIntents;
  publicUrl: string;
  jami: Config['jami'];
  now?: () => Date;
}

/**
 * Publishing a Jami plugin: verify it exactly as the daemon will (signatures, chain to the
 * configured anchors, revocation), refuse a changed plugin key unless an admin allows it, then
 * write an intent, the images, the package and finally the store record (the store lists records
 * only); files of a publish cut short before its record are removed by `recovery`.
 */
export class JamiPublishService {
  private readonly now: () => Date;

  constructor(private readonly deps: JamiPublishDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private anchors?: Promise<Buffer[]>;

  /** The configured anchors, read once (checked at start by startup-checks.ts); they do not change while serving. */
  private trustAnchors(): Promise<Buffer[]> {
    this.anchors ??= readOperatorFiles(this.deps.jami.trustAnchorFiles).catch((err: unknown) => {
      this.anchors = undefined;
      throw err;
    });
    return this.anchors;
  }

  private async verify(upload: StagedUpload): Promise<{ pkg: JplPackage; verification: JplVerification }> {
    const { jami } = this.deps;
    if (jami.trustAnchorFiles.length === 0) {
      throw new PublishError('JAMI_NOT_CONFIGURED', 'This server accepts no Jami plugins yet: set OUTPOST_JAMI_TRUST_ANCHORS to the PEM file(s) of the CA your plugin certificates chain to.');
    }
    const pkg = await inspectJpl(await openZipFile(upload.path));
    const fetchers = revocationFetchers();
    const verification = await verifyJpl(pkg, {
      trustAnchors: await this.trustAnchors(),
      // CRL files are read at each publish: operators refresh them (nextUpdate) while serving.
      crls: await readOperatorFiles(jami.crlFiles),
      now: this.now(),
      checkOcsp: fetchers.checkOcsp,
      ...(jami.fetchCrl ? { fetchCrl: fetchers.fetchCrl } : {}),
      ocspUnreachable: jami.revocationUnreachable,
    });
    return { pkg, verification };
  }

  async publish(upload: StagedUpload, actor: Actor, options: { allowKeyChange?: boolean } = {}): Promise<PublishResult> {
    const { pkg, verification } = await this.verify(upload);
    const candidate: JplCandidate = { id: verification.id, version: verification.version, sha256: upload.sha256, warnings: verification.warnings, upload, pkg, verification, allowKeyChange: Boolean(options.allowKeyChange) };
    return publishCandidate(this.deps, this.kind, candidate, actor);
  }

  private readonly kind: PackageKind<JplCandidate, PluginRecord, PluginVersion> = {
    noun: 'plugin',
    lockKey: (c) => `jami:${c.id}`,
    current: (id) => this.deps.plugins.get(id),
    idIgnoringCase: (id) => this.deps.plugins.idIgnoringCase(id),
    existing: (record, c) => {
      const entry = record.versions.find((v) => v.version === c.version);
      return entry && { sha256: entry.sha256, entry };
    },
    check: async (previous, c, _keyName, actor) => this.keyContinuity(previous, c, actor),
    // Plugin records have no revision and only ever gain versions: their count stands in for one.
    intent: (previous, c, _keyName, actor) => ({
      kind: 'jami',
      id: c.id,
      revision: (previous?.versions.length ?? 0) + 1,
      action: 'publish',
      file: `${c.id}-${c.verification.version}.jpl`,
      audit: { actor: actor.name, action: 'publish-jpl', target: c.id, details: { version: c.verification.version, sha256: c.sha256 }, ...(actor.ip ? { ip: actor.ip } : {}) },
    }),
    store: (previous, c, keyName) => this.store(previous, c, keyName),
    answer: (status, record, entry, warnings) => this.result(status, record, entry, [...warnings]),
  };

  /**
   * A publish or visibility switch cut short: the record is the truth, so files it does not name
   * (a package or image written before the record was saved) are removed, and the others put
   * where its visibility says (jami-visibility.ts); the store lists records only.
   */
  readonly recovery: KindRecovery = {
    kind: 'jami',
    lockKey: (id) => `jami:${id}`,
    settle: async (intent) => {
      const record = this.deps.plugins.get(intent.id);
      await placeJamiFiles(this.deps.objects, intent.id, record);
      return reached(record, intent);
    },
  };

  /** Jami clients refuse an update signed by another plugin key: only an admin may allow it. */
  private keyContinuity(previous: PluginRecord | undefined, c: JplCandidate, actor: Actor): string[] {
    const latest = previous?.versions.slice().sort((a, b) => compareJamiVersions(b.version, a.version))[0];
    if (!latest) return [];
    const signingKey = c.verification.signingKey.toString('base64');
    if (latest.signingKey !== signingKey && !(c.allowKeyChange && actor.admin)) {
      throw new PublishError('JPL_KEY_CHANGED', `${c.id} ${c.version} is signed with a different plugin key than ${latest.version}; Jami clients refuse such an update. Sign it with the previous key, or have an admin allow the key change.`);
    }
    const warnings = jamiVersionWarnings(latest.version, c.version).map((w) => w.message);
    if (latest.signingKey !== signingKey) warnings.push('The plugin key changed (allowed by an admin): installed copies will refuse this version.');
    return warnings;
  }

  /** The package and its images, then the record: until the record is saved the store does not know the new files exist. */
  private async store(previous: PluginRecord | undefined, c: JplCandidate, keyName: string): Promise<Stored<PluginRecord, PluginVersion>> {
    const { objects, plugins } = this.deps;
    const { id, pkg, verification, upload } = c;
    const base = `${id}-${verification.version}`;
    // A private plugin's new version goes where its others are: out of public/.
    const place = previous ?? { id };
    const image = async (img: typeof pkg.icon, kind: string) => {
      const ext = img?.contentType ? IMAGE_EXT[img.contentType] : undefined;
      if (!img || !ext) return undefined;
      const file = `${base}.${kind}.${ext}`;
      await writeObject(objects, jamiFileKey(place, file), img.bytes);
      return { file, contentType: img.contentType! };
    };
    const version: PluginVersion = {
      version: verification.version,
      name: pkg.manifest.name,
      description: pkg.manifest.description,
      iconPath: pkg.manifest.iconPath,
      backgroundPath: pkg.manifest.backgroundPath,
      abis: [...pkg.abis],
      platform: pkg.platform,
      author: verification.author,
      signingKey: verification.signingKey.toString('base64'),
      locales: pkg.locales,
      file: `${base}.jpl`,
      size: upload.size,
      sha256: upload.sha256,
      ...(await image(pkg.icon, 'icon').then((icon) => (icon ? { icon } : {}))),
      ...(await image(pkg.background, 'background').then((background) => (background ? { background } : {}))),
      publishedAt: this.now().toISOString(),
    };
    await objects.adopt(upload.path, jamiFileKey(place, version.file), upload.size);
    const at = version.publishedAt;
    const record: PluginRecord = {
      id,
      publisherKey: keyName,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      ...(previous?.private ? { private: true as const } : {}),
      ...(previous?.revision ? { revision: previous.revision } : {}),
      versions: [...(previous?.versions ?? []), version],
    };
    await plugins.save(record);
    return { record, entry: version, audit: { action: 'publish-jpl', revision: record.versions.length, details: { version: version.version, sha256: version.sha256 } } };
  }

  private result(status: PublishResult['status'], record: PluginRecord, v: PluginVersion, warnings: string[]): PublishResult {
    const store = `${this.deps.publicUrl}${this.deps.jami.prefix}`;
    const id = record.id;
    return {
      status,
      id,
      version: v.version,
      type: 'jami-plugin',
      sha256: v.sha256,
      size: v.size,
      links: { download: `${store}/download/${encodeURIComponent(v.abis[0] ?? '')}/${encodeURIComponent(id)}`, storeVersions: `${store}/versions/${encodeURIComponent(id)}` },
      warnings: withPrivateWarning(warnings, record.private, 'plugin'),
    };
  }
}
