import { ANONYMOUS_PREFIX, EM_NS, NC_NS, RDF_NS, type RdfGraph, type RdfNode, type Statement } from './graph.ts';
import { RdfError } from './xml-tree.ts';

/**
 * Graph → RDF/XML in element form, written so that Mozilla's parser rebuilds exactly the same
 * graph (and so the same signed text): resources referenced once are nested, anything else is
 * written at the top level and linked with `resource=`; literals that trimming would change go
 * into attributes, which the parser does not trim.
 */
const ORDINAL = new RegExp(`^${RDF_NS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)$`);
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const XML_WS = /^[ \t\r\n]|[ \t\r\n]$/;
// Characters XML 1.0 cannot carry at all, not even as character references.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function checkChars(s: string): void {
  if (FORBIDDEN_CHARS.test(s)) throw new RdfError('RDF_UNWRITABLE', 'A value contains a control character XML cannot represent.');
}

class Namespaces {
  private readonly prefixes = new Map<string, string>([
    [RDF_NS, 'RDF'],
    [EM_NS, 'em'],
  ]);

  qname(uri: string): string {
    const cut = Math.max(uri.lastIndexOf('#'), uri.lastIndexOf('/')) + 1;
    const ns = uri.slice(0, cut);
    const local = uri.slice(cut);
    if (!ns || !NCNAME.test(local)) throw new RdfError('RDF_UNWRITABLE', `The property ${uri} cannot be written as an XML name.`);
    let prefix = this.prefixes.get(ns);
    if (!prefix) {
      prefix = ns === NC_NS ? 'NC' : `ns${this.prefixes.size - 1}`;
      this.prefixes.set(ns, prefix);
    }
    return `${prefix}:${local}`;
  }

  declarations(): string {
    return [...this.prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join('');
  }
}

export function writeRdfXml(graph: RdfGraph, roots: readonly string[] = []): string {
  const refs = graph.referenceCounts();
  const ns = new Namespaces();
  const written = new Set<string>();
  const INDENT = '  ';

  const nestable = (uri: string): boolean => (refs.get(uri) ?? 0) === 1 && !roots.includes(uri) && !written.has(uri);

  const node = (uri: string, indent: string): string => {
    written.add(uri);
    const type = graph.containerType(uri);
    const tag = `RDF:${type ?? 'Description'}`;
    const about = uri.startsWith(ANONYMOUS_PREFIX) && (refs.get(uri) ?? 0) <= 1 ? '' : ` about="${escapeAttr(uri)}"`;
    const statements = graph.statementsAbout(uri);
    const attrs: string[] = [];
    const lines: string[] = [];
    const usedAttr = new Set<string>();
    for (const st of statements) {
      if (type && ORDINAL.test(st.predicate)) continue;
      if (st.object.kind === 'literal' && (st.object.value === '' || XML_WS.test(st.object.value) || !st.predicate.includes('#') && !st.predicate.includes('/'))) {
        attrs.push(attribute(st, usedAttr));
      } else {
        lines.push(property(st.predicate, st.object, indent + INDENT));
      }
    }
    if (type) {
      const memberLines = graph.members(uri).map((m) => member(m, indent + INDENT));
      lines.unshift(...memberLines);
    }
    const open = `${indent}<${tag}${about}${attrs.join('')}`;
    return lines.length === 0 ? `${open}/>\n` : `${open}>\n${lines.join('')}${indent}</${tag}>\n`;
  };

  const attribute = (st: Statement, used: Set<string>): string => {
    const value = (st.object as { value: string }).value;
    checkChars(value);
    const local = st.predicate.includes('#') || st.predicate.includes('/') ? ns.qname(st.predicate) : st.predicate;
    if (!NCNAME.test(local.split(':').pop()!) || used.has(local)) {
      throw new RdfError('RDF_UNWRITABLE', `The value of ${st.predicate} cannot be written without changing it.`);
    }
    used.add(local);
    return ` ${local}="${escapeAttr(value)}"`;
  };

  const valueBody = (object: RdfNode, indent: string): { attrs: string; body: string } => {
    if (object.kind === 'resource') {
      if (nestable(object.uri)) return { attrs: '', body: `\n${node(object.uri, indent + INDENT)}${indent}` };
      return { attrs: ` resource="${escapeAttr(object.uri)}"`, body: '' };
    }
    checkChars(String(object.value));
    if (object.kind === 'int') return { attrs: ' NC:parseType="Integer"', body: String(object.value) };
    if (object.kind === 'date') return { attrs: ' NC:parseType="Date"', body: escapeText(object.value) };
    if (object.value === '' || XML_WS.test(object.value)) {
      throw new RdfError('RDF_UNWRITABLE', 'A container member with surrounding whitespace cannot be written.');
    }
    return { attrs: '', body: escapeText(object.value) };
  };

  const property = (predicate: string, object: RdfNode, indent: string): string => {
    const name = ns.qname(predicate);
    if (object.kind === 'int' || object.kind === 'date') ns.qname(`${NC_NS}parseType`);
    const { attrs, body } = valueBody(object, indent);
    return body === '' ? `${indent}<${name}${attrs}/>\n` : `${indent}<${name}${attrs}>${body}</${name}>\n`;
  };

  const member = (object: RdfNode, indent: string): string => property(`${RDF_NS}li`, object, indent);

  const blocks: string[] = [];
  for (const root of roots) {
    if (!written.has(root)) blocks.push(node(root, INDENT));
  }
  // A blank node nothing points to (where the parser dropped property attributes) means nothing.
  const subjects = graph.subjects().filter((s) => !(s.startsWith(ANONYMOUS_PREFIX) && !refs.has(s)));
  for (const subject of subjects) {
    // Whatever was not nested under a root stands on its own, linked by URI.
    if (!written.has(subject) && !nestable(subject)) blocks.push(node(subject, INDENT));
  }
  for (const subject of subjects) {
    if (!written.has(subject)) blocks.push(node(subject, INDENT));
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<RDF:RDF${ns.declarations()}>\n${blocks.join('\n')}</RDF:RDF>\n`;
}
