import type { RdfGraph } from '../rdf/graph.ts';

/** update.rdf names each add-on's resource by its type (update-protocols.md §3). */
export type AddonResourceType = 'extension' | 'theme' | 'item';

const ROOT = /^urn:mozilla:(extension|theme|item):(.+)$/;

export function addonResourceUri(id: string, type: AddonResourceType = 'extension'): string {
  return `urn:mozilla:${type}:${id}`;
}

/** The resource a client of unknown add-on type would look at: extension, then theme, then item. */
export function findAddonRoot(graph: RdfGraph, id: string): string | undefined {
  return (['extension', 'theme', 'item'] as const).map((t) => addonResourceUri(id, t)).find((uri) => graph.hasSubject(uri));
}

export interface AddonRoot {
  id: string;
  type: AddonResourceType;
  uri: string;
}

/**
 * Every add-on described in a manifest: `urn:mozilla:<type>:<id>` resources that nothing else
 * points to (McCoy's fixtures also name version entries `urn:mozilla:extension:<id>:<version>`;
 * those are linked from a Seq and so are not add-ons of their own).
 */
export function listAddonRoots(graph: RdfGraph): AddonRoot[] {
  const refs = graph.referenceCounts();
  const roots: AddonRoot[] = [];
  for (const uri of graph.subjects()) {
    const m = ROOT.exec(uri);
    if (m && !refs.has(uri)) roots.push({ id: m[2]!, type: m[1] as AddonResourceType, uri });
  }
  return roots;
}
