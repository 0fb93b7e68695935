import { readFile } from 'node:fs/promises';
import { renderForRequest, defaultJsonApp } from '../catalog/update-documents.ts';
import { isKnownApplication } from '../names/applications.ts';
import { isSafeRelativePath } from '../names/safe-segment.ts';
import { clientFormat, type CompatMode } from '../manifest/update-selection.ts';
import type { CatalogStore } from '../storage/catalog-store.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { PublishError } from './publish.ts';
import type { ManifestService } from './manifests.ts';

/** What clients put in an update URL (update-protocols.md §2), already URL-decoded. */
export interface UpdateQuery {
  id: string;
  appID?: string;
  appVersion?: string;
  appOS?: string;
  appABI?: string;
  compatMode?: string;
}

export interface UpdateAnswer {
  format: 'rdf' | 'json';
  body: string | Buffer;
}

/** appOS and appABI each stand for one half of a target platform (`WINNT`, `x86-msvc`). */
const PLATFORM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const COMPAT_MODES: readonly string[] = ['strict', 'normal', 'ignore'];

/**
 * One update URL for every client. Without an application version there is nothing to filter,
 * so the answer is the pre-rendered document nginx would pick (same bytes, found in the same
 * order); with one, the versions are filtered as addons.mozilla.org does and rendered now.
 */
export class UpdateQueryService {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly layout: DataLayout,
    private readonly manifests: ManifestService,
  ) {}

  async answer(query: UpdateQuery): Promise<UpdateAnswer> {
    const record = this.catalog.get(query.id);
    if (!record) throw new PublishError('ADDON_NOT_FOUND', `No add-on ${query.id}.`);
    const appId = query.appID || defaultJsonApp(record);
    const appVersion = query.appVersion || undefined;
    const format = clientFormat(appId, appVersion) === 'rdf' ? 'rdf' : 'json';
    const os = query.appOS && PLATFORM_PART.test(query.appOS) ? query.appOS : undefined;
    const abi = query.appABI && PLATFORM_PART.test(query.appABI) ? query.appABI : undefined;

    // Only known applications have documents on disk; anything else is rendered from the record,
    // so no part of a query ever becomes part of a path.
    if (appVersion === undefined && isKnownApplication(appId)) {
      const tries = [os && abi ? `${appId}/${os}_${abi}` : undefined, os ? `${appId}/${os}` : undefined, appId].filter((t) => t !== undefined);
      for (const sub of tries) {
        if (!isSafeRelativePath(sub)) continue;
        const body = await readFile(this.layout.documentPath(record.id, `${sub}/update.${format}`)).catch(() => undefined);
        if (body) return { format, body };
      }
    }
    const compatMode = COMPAT_MODES.includes(query.compatMode ?? '') ? (query.compatMode as CompatMode) : 'normal';
    const options = await this.manifests.documentOptions(record);
    const body = renderForRequest(record, { appId, appVersion, compatMode, os, abi }, format, options);
    return { format, body };
  }
}
