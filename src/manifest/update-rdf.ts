import { OutpostError } from '../errors.ts';
import { EM_NS, RDF_NS, RdfGraph } from '../rdf/graph.ts';
import { writeRdfXml } from '../rdf/rdf-xml-writer.ts';
import type { SignatureDigest, Signer } from '../signing/signer.ts';
import { newestFirst } from './version-order.ts';
import { addonResourceUri, type AddonResourceType } from './addon-roots.ts';
import { signAddonResources } from './update-rdf-sign.ts';

/** Outpost's model of what one add-on's update.rdf says (update-protocols.md §3). */
export interface UpdateTarget {
  appId: string;
  minVersion: string;
  maxVersion: string;
  updateLink: string;
  /** `sha256:<hex>` (or sha1/sha384/sha512). */
  updateHash?: string;
  updateInfoURL?: string;
  strictCompatibility?: boolean;
}

export interface UpdateEntry {
  version: string;
  targets: UpdateTarget[];
}

export interface AddonUpdates {
  id: string;
  type?: AddonResourceType;
  entries: UpdateEntry[];
}

export type ManifestErrorCode = 'MANIFEST_HASH_INVALID' | 'MANIFEST_VALUE_INVALID';
export class ManifestError extends OutpostError<ManifestErrorCode> {}

const HASH_LENGTHS: Record<string, number> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };

export function checkUpdateHash(hash: string): void {
  const m = /^(sha1|sha256|sha384|sha512):([0-9a-f]+)$/.exec(hash);
  if (!m || m[2]!.length !== HASH_LENGTHS[m[1]!]) {
    throw new ManifestError('MANIFEST_HASH_INVALID', `"${hash}" is not a hash a client accepts (sha256:<64 lowercase hex>, ...).`);
  }
}

/**
 * Clients sign the low byte of each UTF-16 unit (mccoy-signing.md §3), so every signed value must
 * be ASCII: URLs are percent-encoded, anything else non-ASCII is refused.
 */
function asciiUrl(url: string): string {
  return url.replace(/[^\x20-\x7e]/gu, (c) => encodeURIComponent(c));
}

function asciiValue(label: string, value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new ManifestError('MANIFEST_VALUE_INVALID', `${label} "${value}" must be printable ASCII without spaces.`);
  }
  return value;
}

export function buildUpdateGraph(addons: readonly AddonUpdates[]): { graph: RdfGraph; roots: string[] } {
  const graph = new RdfGraph();
  const roots: string[] = [];
  const em = (p: string): string => EM_NS + p;
  const literal = (value: string) => ({ kind: 'literal' as const, value });
  for (const addon of addons) {
    const root = addonResourceUri(asciiValue('Add-on id', addon.id), addon.type);
    roots.push(root);
    const seq = graph.newAnonymous();
    graph.makeContainer(seq, 'Seq');
    graph.add(root, em('updates'), { kind: 'resource', uri: seq });
    let ordinal = 0;
    for (const entry of newestFirst(addon.entries, (e) => e.version)) {
      const item = graph.newAnonymous();
      // What appendMember does, without it looking up every earlier member again: the Seq is new,
      // so its ordinals are simply 1..n (appendMember made long histories cost O(n²) lookups).
      graph.add(seq, `${RDF_NS}_${++ordinal}`, { kind: 'resource', uri: item });
      graph.add(item, em('version'), literal(asciiValue('Version', entry.version)));
      for (const target of entry.targets) {
        // Each targetApplication gets its own node: a shared one makes the client's serializer throw.
        const app = graph.newAnonymous();
        graph.add(item, em('targetApplication'), { kind: 'resource', uri: app });
        graph.add(app, em('id'), literal(asciiValue('Application id', target.appId)));
        graph.add(app, em('minVersion'), literal(asciiValue('minVersion', target.minVersion)));
        graph.add(app, em('maxVersion'), literal(asciiValue('maxVersion', target.maxVersion)));
        graph.add(app, em('updateLink'), literal(asciiUrl(target.updateLink)));
        if (target.updateHash !== undefined) {
          checkUpdateHash(target.updateHash);
          graph.add(app, em('updateHash'), literal(target.updateHash));
        }
        if (target.updateInfoURL !== undefined) graph.add(app, em('updateInfoURL'), literal(asciiUrl(target.updateInfoURL)));
        if (target.strictCompatibility) graph.add(app, em('strictCompatibility'), literal('true'));
      }
    }
  }
  return { graph, roots };
}

export interface RenderUpdateRdfOptions {
  /** Without a signer the manifest is unsigned (only for add-ons without an updateKey). */
  signer?: Signer;
  digest?: SignatureDigest;
}

/** update.rdf for one or more add-ons, each signed over its own subtree. */
export function renderUpdateRdf(addons: readonly AddonUpdates[], options: RenderUpdateRdfOptions = {}): string {
  const { graph, roots } = buildUpdateGraph(addons);
  if (options.signer) signAddonResources(graph, roots, options.signer, options.digest);
  return writeRdfXml(graph, roots);
}
