import { renderUpdateJson, type JsonAddonUpdates, type JsonRangeStyle, type JsonUpdateEntry } from '../manifest/update-json.ts';
import { renderUpdateRdf, type AddonUpdates } from '../manifest/update-rdf.ts';
import {
  APP,
  platformKeys,
  platformRequest,
  selectUpdates,
  type Candidate,
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

/**
 * What a document says, before it is rendered and signed. Rendering is a pure function of the
 * model (and the signer), so equal models give equal bytes: that is what lets one rendering serve
 * every document and every client query that shows the same thing.
 */
export type DocumentModel =
  | { format: 'rdf'; model: AddonUpdates }
  | { format: 'json'; addon: JsonAddonUpdates; style: JsonRangeStyle };

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

/** The model of the document showing `selected` to a client of `appId` in `format`. */
export function selectionModel(record: AddonRecord, selected: readonly Selected<VersionRecord>[], format: ClientFormat, appId: string, options: DocumentOptions): DocumentModel {
  if (format === 'rdf') return { format: 'rdf', model: selectedUpdateModel(record, selected, options.publicUrl, options.hash) };
  const style: JsonRangeStyle = format === 'json-uxp' ? { kind: 'guid', appId } : { kind: 'gecko' };
  return { format: 'json', addon: { id: record.id, entries: jsonEntries(record, selected, options) }, style };
}

export function renderModel(doc: DocumentModel, options: DocumentOptions): string {
  return doc.format === 'rdf' ? renderUpdateRdf([doc.model], { signer: options.signer }) : renderUpdateJson([doc.addon], doc.style);
}

/** The document for one request in one format. */
export function renderForRequest(record: AddonRecord, request: UpdateRequest, format: ClientFormat, options: DocumentOptions, from: readonly Candidate<VersionRecord>[] = candidates(record)): string {
  return renderModel(selectionModel(record, selectUpdates(from, request), format, request.appId, options), options);
}

/** The application whose ranges the plain update.json carries: Firefox, else the first targeted. */
export function defaultJsonApp(record: AddonRecord): string {
  const apps = targetedApps(record);
  return apps.includes(APP.firefox) ? APP.firefox : (apps[0] ?? APP.firefox);
}

/** The request each static document answers, by its path: what the dynamic route looks up too. */
export function staticRequests(record: AddonRecord, from: readonly Candidate<VersionRecord>[] = candidates(record)): { dir: string; request: UpdateRequest; json: ClientFormat }[] {
  const keys = platformKeys(from);
  const out: { dir: string; request: UpdateRequest; json: ClientFormat }[] = [];
  // Only known applications become folders: an id from a package never names a path by itself.
  for (const appId of targetedApps(record).filter(isKnownApplication)) {
    const json = appId === APP.paleMoon ? 'json-uxp' : 'json';
    for (const key of [undefined, ...keys]) {
      out.push({ dir: key ? `${appId}/${key}` : appId, request: { appId, ...(key ? platformRequest(key) : {}) }, json });
    }
  }
  return out;
}

/**
 * Every served document of an add-on. Documents that say the same thing (a one-application
 * add-on's update.rdf and <app>/update.rdf, update.json and <app>/update.json, platform folders
 * with no package of their own) are rendered and signed once: with a long history, rendering is
 * most of what a publish costs.
 */
export function renderAllDocuments(record: AddonRecord, options: DocumentOptions): RenderedDocument[] {
  const from = candidates(record);
  const bodies = new Map<string, string>();
  const render = (doc: DocumentModel): string => {
    const key = JSON.stringify(doc);
    let body = bodies.get(key);
    if (body === undefined) {
      body = renderModel(doc, options);
      bodies.set(key, body);
    }
    return body;
  };
  const forRequest = (request: UpdateRequest, format: ClientFormat) => render(selectionModel(record, selectUpdates(from, request), format, request.appId, options));
  const docs: RenderedDocument[] = [
    { path: 'update.rdf', body: render({ format: 'rdf', model: toUpdateModel(record, options.publicUrl, options.hash) }) },
    { path: 'update.json', body: forRequest({ appId: defaultJsonApp(record) }, 'json') },
  ];
  for (const { dir, request, json } of staticRequests(record, from)) {
    docs.push({ path: `${dir}/update.rdf`, body: forRequest(request, 'rdf') });
    docs.push({ path: `${dir}/update.json`, body: forRequest(request, json) });
  }
  return docs;
}
