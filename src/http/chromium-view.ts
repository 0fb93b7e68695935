import { fileUrl } from '../catalog/addon-record.ts';
import { compareChromiumVersions } from '../crx/chromium-version.ts';
import type { ChromiumRecord, ChromiumVersion } from '../storage/chromium-store.ts';

/** The shared update URL every extension on this server can use (one request checks them all). */
export const chromiumUpdateUrl = (publicUrl: string): string => `${publicUrl}/chromium/updates.xml`;
/** The per-extension static document (what nginx serves from disk). */
export const chromiumStaticUrl = (publicUrl: string, id: string): string => `${publicUrl}/updates/${id}/updates.xml`;

/** Newest first, withdrawn ones after the served ones. */
export function chromiumVersionsForDisplay(record: ChromiumRecord): ChromiumVersion[] {
  const newestFirst = [...record.versions].sort((a, b) => compareChromiumVersions(b.version, a.version));
  return [...newestFirst.filter((v) => !v.withdrawnAt), ...newestFirst.filter((v) => v.withdrawnAt)];
}

/**
 * What an administrator deploys: the ExtensionInstallForcelist entry ("<id>;<update url>") and
 * the manifest.json update_url, which must be the same URL (later checks use the manifest's).
 */
export function chromiumDeployment(publicUrl: string, id: string) {
  const updateUrl = chromiumUpdateUrl(publicUrl);
  return {
    updateUrl,
    staticUrl: chromiumStaticUrl(publicUrl, id),
    policyLine: `${id};${updateUrl}`,
    policyJson: JSON.stringify({ ExtensionInstallForcelist: [`${id};${updateUrl}`] }, null, 2),
    manifestSnippet: `"update_url": ${JSON.stringify(updateUrl)}`,
  };
}

/** One extension as the API answers it. */
export function chromiumDetails(record: ChromiumRecord, publicUrl: string) {
  const versions = chromiumVersionsForDisplay(record);
  return {
    id: record.id,
    type: 'chromium-extension' as const,
    name: versions[0]?.name ?? record.id,
    publisherKey: record.publisherKey,
    /** Served only through feeds (the deployment's public URLs then answer as for an unknown id). */
    private: record.private === true,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    latestVersion: versions.find((v) => !v.withdrawnAt)?.version ?? null,
    deployment: chromiumDeployment(publicUrl, record.id),
    versions: versions.map((v) => ({
      version: v.version,
      size: v.size,
      sha256: v.sha256,
      minimumChromeVersion: v.minimumChromeVersion ?? null,
      packedBy: v.packedBy,
      publishedAt: v.publishedAt,
      withdrawnAt: v.withdrawnAt ?? null,
      links: v.withdrawnAt ? {} : { download: fileUrl(publicUrl, record.id, v.file) },
    })),
  };
}
