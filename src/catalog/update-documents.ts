import { renderUpdateJson, type JsonUpdateEntry } from '../manifest/update-json.ts';
import { renderUpdateRdf } from '../manifest/update-rdf.ts';
import {
  APP,
  platformKeys,
  platformRequest,
  selectUpdates,
  type ClientFormat,
  type Selected,
  type UpdateRequest,
} from '../manifest/update-selection.ts';
import { isKnownApplication } from '../names/applications.ts';
import type { Signer } from '../signing/signer.ts';
import {
  candidates,
  fileUrl,
  selectedUpdateModel,
  targetedApps,
  toUpdateModel,
  updateHashOf,
  type AddonRecord,
  type HashAlgorithm,
  type VersionRecord,
} from './addon-record.ts';

/**
 * Every document a client may fetch for an add-on, each answering one kind of request, so nginx
 * can serve them from disk and the dynamic route gives byte-identical answers:
 *   update.rdf, update.json                 every application (json: Firefox's ranges)
 *   <app>/update.rdf, <app>/update.json     one application, platform-neutral packages
 *   <app>/<platform>/update.{rdf,json}      one application on one platform (only where
 *                                           platform-specific packages exist)
 */
export interface DocumentOptions {
  signer: Signer;
  publicUrl: string;
  hash?: HashAlgorithm;
}

export interface RenderedDocument {
  /** Path below public/updates/<id>/. */
  path: string;
  body: string;
}

function jsonEntries(record: AddonRecord, selected: readonly Selected<VersionRecord>[], options: DocumentOptions): JsonUpdateEntry[] {
  return selected.map(({ version, target, item }) => ({
    version,
    updateLink: fileUrl(options.publicUrl, record.id, item.file),
    updateHash: updateHashOf(item, options.hash),
    ...(item.updateInfoURL ? { updateInfoURL: item.updateInfoURL } : {}),
    // `*` as a maximum means "no limit": leave the key out rather than rely on parsing it.
    range: { minVersion: target.minVersion, ...(target.maxVersion !== '*' ? { maxVersion: target.maxVersion } : {}) },
  }));
}

/** The document for one request in one format. */
export function renderForRequest(record: AddonRecord, request: UpdateRequest, format: ClientFormat, options: DocumentOptions): string {
  const selected = selectUpdates(candidates(record), request);
  if (format === 'rdf') {
    return renderUpdateRdf([selectedUpdateModel(record, selected, options.publicUrl, options.hash)], { signer: options.signer });
  }
  const style = format === 'json-uxp' ? { kind: 'guid' as const, appId: request.appId } : { kind: 'gecko' as const };
  return renderUpdateJson([{ id: record.id, entries: jsonEntries(record, selected, options) }], style);
}

/** The application whose ranges the plain update.json carries: Firefox, else the first targeted. */
export function defaultJsonApp(record: AddonRecord): string {
  const apps = targetedApps(record);
  return apps.includes(APP.firefox) ? APP.firefox : (apps[0] ?? APP.firefox);
}

export function renderAllDocuments(record: AddonRecord, options: DocumentOptions): RenderedDocument[] {
  const docs: RenderedDocument[] = [
    { path: 'update.rdf', body: renderUpdateRdf([toUpdateModel(record, options.publicUrl, options.hash)], { signer: options.signer }) },
    { path: 'update.json', body: renderForRequest(record, { appId: defaultJsonApp(record) }, 'json', options) },
  ];
  const keys = platformKeys(candidates(record));
  // Only known applications become folders: an id from a package never names a path by itself.
  for (const appId of targetedApps(record).filter(isKnownApplication)) {
    const json = appId === APP.paleMoon ? 'json-uxp' : 'json';
    for (const key of [undefined, ...keys]) {
      const request = { appId, ...(key ? platformRequest(key) : {}) };
      const dir = key ? `${appId}/${key}` : appId;
      docs.push({ path: `${dir}/update.rdf`, body: renderForRequest(record, request, 'rdf', options) });
      docs.push({ path: `${dir}/update.json`, body: renderForRequest(record, request, json, options) });
    }
  }
  return docs;
}
