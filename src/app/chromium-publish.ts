import { withPrivateWarning } from './private-warning.ts';
import { shown } from './public-view.ts';
import { fileUrl } from '../catalog/addon-record.ts';
import { checkManifestKey, parseChromiumManifest, type ChromiumManifest } from '../crx/chromium-manifest.ts';
import { compareChromiumVersions } from '../crx/chromium-version.ts';
import { CrxError } from '../crx/crx-errors.ts';
import { verifyCrx3Stream } from '../crx/crx3-read.ts';
import { signCrx3Header, type CrxSigner } from '../crx/crx3-sign.ts';
import { chooseGupdateUpdate, answerGupdateQuery, renderGupdateResponse, type GupdateCandidate } from '../crx/gupdate-response.ts';
import { parseGupdateQuery } from '../crx/gupdate-request.ts';
import { MANIFEST } from '../limits.ts';
import { ICON_EXTENSIONS, manifestIconEntry, readPackageIcon, type PackageIcon } from '../package/addon-icon.ts';
import { openZip, type ZipSource } from '../package/zip-reader.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { ChromiumRecord, ChromiumStore, ChromiumVersion } from '../storage/chromium-store.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { openZipFile, openZipFileAt } from '../storage/file-zip-source.ts';
import { writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { removeStaged, stagedStream, stageWithHead } from '../storage/staged-reads.ts';
import type { TaskLock } from './shared-lock.ts';
import type { Actor } from './publish-errors.ts';
import type { PackageIntents } from './package-intents.ts';
import { iconKey, packageKey } from './addon-changes.ts';
import { publishCandidate, type Candidate, type PackageKind, type PublishResult, type StagedUpload, type Stored } from './publish-pipeline.ts';

/** Keys Outpost generates are 2048 bits; packing refuses the 1024-bit keys Chromium still reads. */
const MIN_PACKING_BITS = 2048;
/** The per-extension document nginx can serve from disk: public/updates/<id>/updates.xml. */
export const CHROMIUM_UPDATE_DOCUMENT = 'updates.xml';

export interface ChromiumPublishDeps {
  objects: ObjectStore;
  /** Where a packed .crx is staged (the uploads' folder). */
  tmpDir: string;
  records: ChromiumStore;
  /** The publisher key of a token as a CRX packer (KeyStore.crxSigner). */
  crxSigner: (keyName: string) => Promise<CrxSigner>;
  lock: TaskLock;
  audit?: AuditLog;
  /** Recovery is ChromiumVersionChanges.recovery, registered by the composition root. */
  intents: PackageIntents;
  publicUrl: string;
  now?: () => Date;
}

/** A package ready to place: a verified .crx on disk and what was read from it. */
interface Prepared extends Candidate {
  readonly path: string;
  readonly size: number;
  readonly developerKeySpki: Buffer;
  readonly manifest: ChromiumManifest;
  readonly packedBy: ChromiumVersion['packedBy'];
  readonly icon?: PackageIcon;
}

/** The manifest, and the icon the catalog shows (an unusable one is a warning, never a refusal). */
async function readManifest(source: ZipSource): Promise<{ manifest: ChromiumManifest; icon?: PackageIcon; warnings: string[] }> {
  const zip = await openZip(source);
  try {
    if (!zip.has('manifest.json')) throw new CrxError('CRX_MANIFEST_INVALID', 'The extension has no manifest.json at the top of its ZIP.');
    const manifest = parseChromiumManifest(await zip.read('manifest.json', MANIFEST.maxBytes));
    const named = manifestIconEntry(manifest.iconPath);
    const read = named.entry ? await readPackageIcon(zip, named.entry, 'manifest.json') : undefined;
    const warnings = [named.warning, read?.warning].filter((w): w is string => w !== undefined);
    return { manifest, ...(read?.icon ? { icon: read.icon } : {}), warnings };
  } finally {
    zip.close();
  }
}

/**
 * Publishing Chromium extensions (chromium-extensions.md): a CRX3 whose every proof verifies, or a
 * plain ZIP that Outpost packs with the token's publisher key. The id is the developer key's hash.
 * Writes go intent → file → record → updates.xml → audit entry → intent gone; a failure takes back
 * what was written, and a change cut short is settled from the record (chromium-changes.ts recovery).
 */
export class ChromiumPublishService {
  private readonly now: () => Date;

  constructor(private readonly deps: ChromiumPublishDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** `pack`: the upload is a plain extension ZIP to sign with the actor's key; otherwise a CRX3. */
  async publish(upload: StagedUpload, actor: Actor, options: { pack: boolean }): Promise<PublishResult> {
    const prepared = options.pack ? await this.pack(upload, actor) : await this.verifyCrx(upload);
    try {
      return await publishCandidate(this.deps, this.kind, prepared, actor);
    } finally {
      // A packed .crx is ours to remove; a placed one has been renamed away already.
      if (prepared.path !== upload.path) await removeStaged(prepared.path);
    }
  }

  private async verifyCrx(upload: StagedUpload): Promise<Prepared> {
    // Every proof over the whole file as it streams from disk; only the header is held.
    const crx = await verifyCrx3Stream(stagedStream(upload.path));
    const { manifest, icon, warnings } = await readManifest(await openZipFileAt(upload.path, crx.zipOffset));
    checkManifestKey(manifest, crx.developerKeySpki);
    return { ...upload, id: crx.id, version: manifest.version, warnings, developerKeySpki: crx.developerKeySpki, manifest, packedBy: 'upload', ...(icon ? { icon } : {}) };
  }

  private async pack(upload: StagedUpload, actor: Actor): Promise<Prepared> {
    const { manifest, icon, warnings } = await readManifest(await openZipFile(upload.path));
    const signer = await this.deps.crxSigner(actor.keyName);
    if (signer.bits < MIN_PACKING_BITS) {
      throw new CrxError('CRX_SIGNING_KEY_UNSUPPORTED', `The publisher key "${actor.keyName}" has ${signer.bits} bits; Outpost packs Chromium extensions only with keys of ${MIN_PACKING_BITS} bits or more. Upload a CRX you signed yourself, or ask an admin for a token of a larger key.`);
    }
    checkManifestKey(manifest, signer.publicKeySpki);
    const header = await signCrx3Header(stagedStream(upload.path), signer);
    const packed = await stageWithHead(this.deps.tmpDir, header, upload.path, 'crx');
    return { ...packed, id: signer.extensionId, version: manifest.version, warnings, developerKeySpki: signer.publicKeySpki, manifest, packedBy: 'server', ...(icon ? { icon } : {}) };
  }

  private readonly kind: PackageKind<Prepared, ChromiumRecord, ChromiumVersion> = {
    noun: 'Chromium extension',
    lockKey: (p) => `chromium:${p.id}`,
    current: (id) => this.deps.records.get(id),
    // Ids are a-p only: no two differ only in case.
    idIgnoringCase: () => undefined,
    existing: (record, p) => {
      const entry = record.versions.find((v) => compareChromiumVersions(v.version, p.version) === 0);
      return entry && { sha256: entry.sha256, withdrawnAt: entry.withdrawnAt, entry };
    },
    check: async (previous, p) => {
      const latest = previous && newest(previous);
      if (!latest || compareChromiumVersions(p.version, latest.version) >= 0) return [];
      return [`${p.version} is lower than the newest published version ${latest.version}: browsers that have ${latest.version} will not take it.`];
    },
    intent: (previous, p, _keyName, actor) => ({
      kind: 'chromium',
      id: p.id,
      revision: (previous?.revision ?? 0) + 1,
      action: 'publish',
      file: `${p.id}-${p.version}.crx`,
      audit: { actor: actor.name, action: 'publish', target: p.id, details: { type: 'chromium-extension', version: p.version, sha256: p.sha256, packedBy: p.packedBy }, ...(actor.ip ? { ip: actor.ip } : {}) },
    }),
    store: (previous, p, keyName) => this.store(previous, p, keyName),
    answer: (status, record, entry, warnings) => this.result(status, record, entry, [...warnings]),
  };

  /** .crx → record → updates.xml; a failure takes back what was written. */
  private async store(previous: ChromiumRecord | undefined, p: Prepared, keyName: string): Promise<Stored<ChromiumRecord, ChromiumVersion>> {
    const { objects, records } = this.deps;
    const at = this.now().toISOString();
    const icon = p.icon && { file: `${p.id}-${p.version}.${ICON_EXTENSIONS[p.icon.contentType]}`, contentType: p.icon.contentType };
    const entry: ChromiumVersion = {
      version: p.version,
      name: p.manifest.name,
      file: `${p.id}-${p.version}.crx`,
      size: p.size,
      sha256: p.sha256,
      ...(p.manifest.minimumChromeVersion ? { minimumChromeVersion: p.manifest.minimumChromeVersion } : {}),
      packedBy: p.packedBy,
      ...(icon ? { icon } : {}),
      publishedAt: at,
    };
    const record: ChromiumRecord = {
      id: p.id,
      publisherKey: keyName,
      developerKey: p.developerKeySpki.toString('base64'),
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      revision: (previous?.revision ?? 0) + 1,
      // A private extension's new version goes where its others are: out of public/.
      ...(previous?.private ? { private: true as const } : {}),
      versions: [...(previous?.versions ?? []), entry],
    };
    const served = packageKey(record, entry);
    const document = dataKeys.document(p.id, CHROMIUM_UPDATE_DOCUMENT);
    try {
      // Before the record, which names it; one left by a failed publish is served by nothing.
      if (icon) await writeObject(objects, iconKey(record, icon.file), p.icon!.bytes);
      await objects.adopt(p.path, served, p.size);
      await records.save(record);
      if (!record.private) await writeObject(objects, document, this.staticDocument(record));
    } catch (err) {
      await this.undo(previous, record.id, served, document).catch(() => undefined);
      throw err;
    }
    const details = { type: 'chromium-extension', version: entry.version, sha256: entry.sha256, packedBy: entry.packedBy };
    return { record, entry, audit: { action: 'publish', revision: record.revision, details } };
  }

  /** Every step is tried even when one fails: a record left behind must not keep a file served. */
  private async undo(previous: ChromiumRecord | undefined, id: string, served: string, document: string): Promise<void> {
    const { objects } = this.deps;
    // Removing an object also removes the folders it leaves empty (a new id's).
    const steps = [
      () => (previous && !previous.private ? writeObject(objects, document, this.staticDocument(previous)) : objects.remove(document)),
      () => this.deps.records.restore(id, previous),
      () => objects.remove(served),
    ];
    for (const step of steps) await step().catch(() => undefined);
  }

  /** `base`: what codebase URLs start with (the public URL, or a feed's prefix). */
  private candidates(record: ChromiumRecord, base = this.deps.publicUrl): GupdateCandidate[] {
    return record.versions.filter((v) => !v.withdrawnAt).map((v) => ({
      version: v.version,
      codebase: fileUrl(base, record.id, v.file),
      sha256: v.sha256,
      size: v.size,
      minimumChromeVersion: v.minimumChromeVersion,
    }));
  }

  /** Every published extension id (from the records in memory). */
  ids(): string[] {
    return this.deps.records.list().map((r) => r.id);
  }

  /**
   * The newest version whatever the browser (it reads prodversionmin itself): what nginx serves,
   * or with `base` a feed's prefix, what the feed serves as updates/<id>/updates.xml.
   */
  staticDocument(record: ChromiumRecord, base?: string): string {
    const update = chooseGupdateUpdate({ id: record.id, installedVersion: undefined, installSource: undefined }, this.candidates(record, base), undefined);
    return renderGupdateResponse([{ appId: record.id, update }]);
  }

  /**
   * The answer to `GET /chromium/updates.xml?x=…`; `query` is the raw query string. A private
   * extension is answered as an unknown id (noupdate).
   */
  answerUpdateCheck(query: string): string {
    return this.answerFor(query, (id) => shown(this.deps.records.get(id)));
  }

  /** A feed's answer: only the extensions `granted` names (private or not), codebases under `base`. */
  answerFeedCheck(query: string, granted: (id: string) => ChromiumRecord | undefined, base: string): string {
    return this.answerFor(query, granted, base);
  }

  private answerFor(query: string, record: (id: string) => ChromiumRecord | undefined, base?: string): string {
    const parsed = parseGupdateQuery(query);
    const byId = new Map<string, GupdateCandidate[]>();
    for (const app of parsed.apps) {
      const found = record(app.id);
      if (found) byId.set(app.id, this.candidates(found, base));
    }
    return renderGupdateResponse(answerGupdateQuery(parsed, byId));
  }

  private result(status: PublishResult['status'], record: ChromiumRecord, v: ChromiumVersion, warnings: string[]): PublishResult {
    return {
      status,
      id: record.id,
      version: v.version,
      type: 'chromium-extension',
      sha256: v.sha256,
      size: v.size,
      links: { download: fileUrl(this.deps.publicUrl, record.id, v.file), updateXml: `${this.deps.publicUrl}/chromium/updates.xml` },
      warnings: withPrivateWarning(warnings, record.private, 'extension'),
    };
  }
}

function newest(record: ChromiumRecord): ChromiumVersion | undefined {
  return record.versions.reduce<ChromiumVersion | undefined>((best, v) => (best === undefined || compareChromiumVersions(v.version, best.version) > 0 ? v : best), undefined);
}
