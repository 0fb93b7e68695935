import { readFile, writeFile, chmod, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { OutpostError } from '../errors.ts';
import { inspectJpl } from '../jami/jpl-inspect.ts';
import { jamiVersionWarnings } from '../jami/jami-version.ts';
import { verifyJpl, type JplVerification } from '../jami/jpl-verify.ts';
import type { PluginRecord, PluginVersion } from '../jami-store/plugin-record.ts';
import { compareJamiVersions } from '../jami-store/version-order.ts';
import type { Config } from '../config.ts';
import { fsyncDirectory } from '../storage/atomic-write.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { openZipFile } from '../storage/file-zip-source.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import { revocationFetchers } from '../storage/revocation-fetch.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { Actor, PublishResult, StagedUpload } from './publish.ts';

export type JamiPublishErrorCode = 'JAMI_NOT_CONFIGURED' | 'JPL_KEY_CHANGED' | 'VERSION_EXISTS' | 'ADDON_OWNED_BY_OTHER_KEY' | 'ADDON_ID_CASE_CONFLICT';
export class JamiPublishError extends OutpostError<JamiPublishErrorCode> {}

const IMAGE_EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/svg+xml': 'svg', 'image/webp': 'webp', 'image/gif': 'gif' };

export interface JamiPublishDeps {
  layout: DataLayout;
  plugins: PluginStore;
  lock: KeyedLock;
  audit?: AuditLog;
  publicUrl: string;
  jami: Config['jami'];
  now?: () => Date;
}

/**
 * Publishing a Jami plugin: verify it exactly as the daemon will (signatures, chain to the
 * configured anchors, revocation), refuse a changed plugin key unless an admin allows it, then
 * write the package, its images and finally the store record.
 */
export class JamiPublishService {
  private readonly now: () => Date;

  constructor(private readonly deps: JamiPublishDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private async verify(upload: StagedUpload): Promise<{ pkg: Awaited<ReturnType<typeof inspectJpl>>; verification: JplVerification }> {
    const { jami } = this.deps;
    if (jami.trustAnchorFiles.length === 0) {
      throw new JamiPublishError('JAMI_NOT_CONFIGURED', 'This server accepts no Jami plugins yet: set OUTPOST_JAMI_TRUST_ANCHORS to the PEM file(s) of the CA your plugin certificates chain to.');
    }
    const pkg = await inspectJpl(await openZipFile(upload.path));
    const fetchers = revocationFetchers();
    const verification = await verifyJpl(pkg, {
      trustAnchors: await Promise.all(jami.trustAnchorFiles.map((f) => readFile(f))),
      crls: await Promise.all(jami.crlFiles.map((f) => readFile(f))),
      now: this.now(),
      checkOcsp: fetchers.checkOcsp,
      ...(jami.fetchCrl ? { fetchCrl: fetchers.fetchCrl } : {}),
      ocspUnreachable: jami.revocationUnreachable,
    });
    return { pkg, verification };
  }

  async publish(upload: StagedUpload, actor: Actor, options: { allowKeyChange?: boolean } = {}): Promise<PublishResult> {
    const { pkg, verification } = await this.verify(upload);
    const id = verification.id;
    const result = await this.deps.lock.run(`jami:${id}`, async () => {
      const { plugins, layout } = this.deps;
      const previous = plugins.get(id);
      const twin = previous ? undefined : plugins.idIgnoringCase(id);
      if (twin !== undefined) {
        throw new JamiPublishError('ADDON_ID_CASE_CONFLICT', `${id} differs from the existing plugin ${twin} only in case; on case-insensitive file systems and CDNs they are one. Use the existing id or another one.`);
      }
      if (previous && previous.publisherKey !== actor.keyName && !actor.admin) {
        throw new JamiPublishError('ADDON_OWNED_BY_OTHER_KEY', `${id} belongs to another publisher key; use a token of that key.`);
      }
      const existing = previous?.versions.find((v) => v.version === verification.version);
      if (existing) {
        if (existing.sha256 !== upload.sha256) {
          throw new JamiPublishError('VERSION_EXISTS', `${id} ${verification.version} is already published with different content. Publish a new version number.`);
        }
        await rm(upload.path, { force: true });
        return this.result('unchanged', id, existing, []);
      }
      const latest = previous?.versions.slice().sort((a, b) => compareJamiVersions(b.version, a.version))[0];
      const signingKey = verification.signingKey.toString('base64');
      if (latest && latest.signingKey !== signingKey && !(options.allowKeyChange && actor.admin)) {
        throw new JamiPublishError('JPL_KEY_CHANGED', `${id} ${verification.version} is signed with a different plugin key than ${latest.version}; Jami clients refuse such an update. Sign it with the previous key, or have an admin allow the key change.`);
      }
      const warnings = [...verification.warnings, ...(latest ? jamiVersionWarnings(latest.version, verification.version).map((w) => w.message) : [])];
      if (latest && latest.signingKey !== signingKey) warnings.push('The plugin key changed (allowed by an admin): installed copies will refuse this version.');

      const base = `${id}-${verification.version}`;
      const dir = path.dirname(layout.jamiFilePath(id, `${base}.jpl`));
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const image = async (img: typeof pkg.icon, kind: string) => {
        const ext = img?.contentType ? IMAGE_EXT[img.contentType] : undefined;
        if (!img || !ext) return undefined;
        const file = `${base}.${kind}.${ext}`;
        await writeFile(layout.jamiFilePath(id, file), img.bytes, { mode: 0o644 });
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
        signingKey,
        locales: pkg.locales,
        file: `${base}.jpl`,
        size: upload.size,
        sha256: upload.sha256,
        ...(await image(pkg.icon, 'icon').then((icon) => (icon ? { icon } : {}))),
        ...(await image(pkg.background, 'background').then((background) => (background ? { background } : {}))),
        publishedAt: this.now().toISOString(),
      };
      await chmod(upload.path, 0o644);
      await rename(upload.path, layout.jamiFilePath(id, version.file));
      await fsyncDirectory(dir);
      const at = version.publishedAt;
      // The record is written last: until then the store does not know the new files exist.
      const record: PluginRecord = {
        id,
        publisherKey: previous?.publisherKey ?? actor.keyName,
        createdAt: previous?.createdAt ?? at,
        updatedAt: at,
        versions: [...(previous?.versions ?? []), version],
      };
      await plugins.save(record);
      return this.result('created', id, version, warnings);
    });
    if (result.status === 'created') {
      await this.deps.audit?.record({ actor: actor.name, action: 'publish-jpl', target: id, ...(actor.ip ? { ip: actor.ip } : {}), details: { version: result.version, sha256: result.sha256 } });
    }
    return result;
  }

  private result(status: PublishResult['status'], id: string, v: PluginVersion, warnings: string[]): PublishResult {
    const store = `${this.deps.publicUrl}${this.deps.jami.prefix}`;
    return {
      status,
      id,
      version: v.version,
      type: 'jami-plugin',
      sha256: v.sha256,
      size: v.size,
      links: { download: `${store}/download/${encodeURIComponent(v.abis[0] ?? '')}/${encodeURIComponent(id)}`, storeVersions: `${store}/versions/${encodeURIComponent(id)}` },
      warnings,
    };
  }
}
