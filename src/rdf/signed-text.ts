import { ANONYMOUS_PREFIX, EM_NS, type RdfGraph } from './graph.ts';
import { RdfError } from './xml-tree.ts';

/**
 * The text a legacy client rebuilds from an update manifest's graph and checks the signature
 * against (mccoy-signing.md §2). Only em: properties are written, em:signature never is, and the
 * property items of each resource are sorted as whole strings.
 */
const INDENT = '  ';

function escapeEntities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function signedText(graph: RdfGraph, root: string): string {
  const seen = new Set<string>();

  const resource = (uri: string, indent: string): string => {
    if (seen.has(uri)) {
      throw new RdfError('RDF_MULTIPLE_REFERENCES', `The resource ${uri} is referenced more than once; clients cannot verify that.`);
    }
    seen.add(uri);
    const type = graph.containerType(uri) ?? 'Description';
    let out = `${indent}<RDF:${type}`;
    if (!uri.startsWith(ANONYMOUS_PREFIX)) out += ` about="${escapeEntities(uri)}"`;
    out += '>\n';
    if (type !== 'Description') {
      const inner = indent + INDENT;
      for (const member of graph.members(uri)) {
        // The client's container walk hands every member to the resource serializer.
        if (member.kind !== 'resource') {
          throw new RdfError('RDF_UNSERIALIZABLE', `The container ${uri} holds a literal, which clients cannot serialize.`);
        }
        out += `${inner}<RDF:li>\n${resource(member.uri, inner + INDENT)}${inner}</RDF:li>\n`;
      }
    }
    out += properties(uri, indent + INDENT);
    return `${out}${indent}</RDF:${type}>\n`;
  };

  const properties = (uri: string, indent: string): string => {
    const items: string[] = [];
    for (const st of graph.statementsAbout(uri)) {
      if (!st.predicate.startsWith(EM_NS)) continue;
      const prop = st.predicate.slice(EM_NS.length);
      if (prop === 'signature') continue;
      const obj = st.object;
      if (obj.kind === 'resource') {
        items.push(`${indent}<em:${prop}>\n${resource(obj.uri, indent + INDENT)}${indent}</em:${prop}>\n`);
      } else if (obj.kind === 'literal') {
        items.push(`${indent}<em:${prop}>${escapeEntities(obj.value)}</em:${prop}>\n`);
      } else if (obj.kind === 'int') {
        items.push(`${indent}<em:${prop} NC:parseType="Integer">${obj.value}</em:${prop}>\n`);
      } else {
        throw new RdfError('RDF_UNSERIALIZABLE', `em:${prop} of ${uri} is a date literal, which clients cannot serialize.`);
      }
    }
    // Default sort: UTF-16 code units, exactly the client's Array.prototype.sort().
    return items.sort().join('');
  };

  return resource(root, '');
}

/** The bytes the client feeds to the verifier: the low byte of each UTF-16 unit. */
export function signedBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
