import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderForRequest, defaultJsonApp } from '../catalog/update-documents.ts';
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

const SAFE_TOKEN = /^[A-Za-z0-9_.-]{1,64}$/;
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
    const os = query.appOS && SAFE_TOKEN.test(query.appOS) ? query.appOS : undefined;
    const abi = query.appABI && SAFE_TOKEN.test(query.appABI) ? query.appABI : undefined;

    if (appVersion === undefined && SAFE_TOKEN.test(appId.replace(/[{}@]/g, ''))) {
      const dir = path.dirname(this.layout.manifestPath(record.id));
      const tries = [os && abi ? `${appId}/${os}_${abi}` : undefined, os ? `${appId}/${os}` : undefined, appId].filter(Boolean);
      for (const sub of tries) {
        const body = await readFile(path.join(dir, sub!, `update.${format}`)).catch(() => undefined);
        if (body) return { format, body };
      }
    }
    const compatMode = COMPAT_MODES.includes(query.compatMode ?? '') ? (query.compatMode as CompatMode) : 'normal';
    const options = await this.manifests.documentOptions(record);
    const body = renderForRequest(record, { appId, appVersion, compatMode, os, abi }, format, options);
    return { format, body };
  }
}
