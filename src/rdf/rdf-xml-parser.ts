import { NC_NS, RDF_NS, RdfGraph, type ContainerType, type RdfNode } from './graph.ts';
import { RdfError, XMLNS_NS, parseXmlTree, type XmlAttribute, type XmlChild, type XmlElement } from './xml-tree.ts';

/**
 * RDF/XML → graph, following the rules of Mozilla's RDF content sink (the parser every legacy
 * client runs on update.rdf and install.rdf) rather than the W3C grammar, because the signature
 * is checked over what *that* parser builds:
 * - `about`/`ID`/`nodeID`/`resource` count with no namespace or the RDF namespace;
 * - property attributes on a node element become literal statements (never trimmed);
 * - property attributes on an anonymous property element are attached to a node nobody links
 *   to, so they are lost;
 * - text is trimmed of space, tab, CR and LF; whitespace-only text is dropped;
 * - a container holds only `RDF:li`; anything else aborts the parse.
 */
export interface RdfParseOptions {
  /** The URL the document was fetched from; non-`urn:`/`chrome:` URIs resolve against it. */
  baseUrl?: string;
}

export interface ParsedRdf {
  graph: RdfGraph;
  /** URIs that had to stay relative because no base URL was given. */
  unresolvedUris: string[];
}

type ParseMode = 'literal' | 'resource' | 'int' | 'date';

const WHITESPACE = ' \t\n\r';

function trimXmlWhitespace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && WHITESPACE.includes(s[start]!)) start++;
  while (end > start && WHITESPACE.includes(s[end - 1]!)) end--;
  return s.slice(start, end);
}

function isRdfOrNone(attr: XmlAttribute): boolean {
  return attr.ns === '' || attr.ns === RDF_NS;
}

class ContentSink {
  readonly graph = new RdfGraph();
  readonly unresolved: string[] = [];
  private readonly nodeIds = new Map<string, string>();

  constructor(private readonly baseUrl: string | undefined) {}

  private resolve(value: string): string {
    if (value.startsWith('urn:') || value.startsWith('chrome:')) return value;
    try {
      return new URL(value, this.baseUrl).href;
    } catch {
      this.unresolved.push(value);
      return value;
    }
  }

  private nodeIdResource(id: string): string {
    let uri = this.nodeIds.get(id);
    if (!uri) {
      uri = this.graph.newAnonymous();
      this.nodeIds.set(id, uri);
    }
    return uri;
  }

  /** The subject an element names with about/ID/nodeID, else a fresh blank node. */
  private idAbout(attrs: XmlAttribute[]): { uri: string; anonymous: boolean } {
    let nodeId: string | undefined;
    for (const attr of attrs) {
      if (!isRdfOrNone(attr)) continue;
      if (attr.local === 'about') return { uri: this.resolve(attr.value), anonymous: false };
      if (attr.local === 'ID') return { uri: this.resolve(`#${attr.value}`), anonymous: false };
      if (attr.local === 'nodeID') nodeId = attr.value;
    }
    const uri = nodeId ? this.nodeIdResource(nodeId) : this.graph.newAnonymous();
    return { uri, anonymous: true };
  }

  private resourceAttribute(attrs: XmlAttribute[]): string | undefined {
    let nodeId: string | undefined;
    for (const attr of attrs) {
      if (!isRdfOrNone(attr)) continue;
      if (attr.local === 'resource') return this.resolve(attr.value);
      if (attr.local === 'nodeID') nodeId = attr.value;
    }
    return nodeId ? this.nodeIdResource(nodeId) : undefined;
  }

  private addProperties(attrs: XmlAttribute[], subject: string): void {
    for (const attr of attrs) {
      if (attr.ns === XMLNS_NS) continue;
      if (['about', 'ID', 'resource', 'nodeID'].includes(attr.local) && isRdfOrNone(attr)) continue;
      if (attr.local === 'parseType' && (isRdfOrNone(attr) || attr.ns === NC_NS)) continue;
      this.graph.add(subject, attr.ns + attr.local, { kind: 'literal', value: attr.value });
    }
  }

  private parseMode(attrs: XmlAttribute[]): ParseMode {
    for (const attr of attrs) {
      if (attr.local !== 'parseType') continue;
      if (isRdfOrNone(attr)) return attr.value === 'Resource' ? 'resource' : 'literal';
      if (attr.ns === NC_NS) {
        if (attr.value === 'Date') return 'date';
        if (attr.value === 'Integer') return 'int';
        return 'literal';
      }
    }
    return 'literal';
  }

  private textNode(text: string, mode: ParseMode): RdfNode | undefined {
    if (trimXmlWhitespace(text) === '') return undefined;
    const value = trimXmlWhitespace(text);
    switch (mode) {
      case 'resource':
        return { kind: 'resource', uri: value };
      case 'int': {
        const n = Number.parseInt(value, 10);
        return { kind: 'int', value: Number.isFinite(n) ? n | 0 : 0 };
      }
      case 'date':
        return { kind: 'date', value };
      default:
        return { kind: 'literal', value };
    }
  }

  document(root: XmlElement): void {
    if (root.ns !== RDF_NS || root.local !== 'RDF') {
      throw new RdfError('RDF_NOT_RDF', `The root element is <${root.qname}>, not RDF:RDF.`);
    }
    for (const child of root.children) {
      if (child.type === 'element') this.object(child);
    }
  }

  /** A node element: Description, a container, or a typed node. Returns its subject. */
  private object(el: XmlElement): string {
    const { uri } = this.idAbout(el.attributes);
    const container: ContainerType | undefined =
      el.ns === RDF_NS && (el.local === 'Seq' || el.local === 'Bag' || el.local === 'Alt') ? el.local : undefined;
    if (container) {
      this.graph.makeContainer(uri, container);
    } else if (!(el.ns === RDF_NS && el.local === 'Description')) {
      this.graph.add(uri, `${RDF_NS}type`, { kind: 'resource', uri: el.ns + el.local });
    }
    this.addProperties(el.attributes, uri);
    for (const child of el.children) {
      if (child.type !== 'element') continue;
      if (container) this.member(child, uri);
      else this.property(child, uri);
    }
    return uri;
  }

  private property(el: XmlElement, subject: string): void {
    const predicate = el.ns + el.local;
    let target = this.resourceAttribute(el.attributes);
    let anonymous = false;
    if (target === undefined) ({ uri: target, anonymous } = this.idAbout(el.attributes));
    this.addProperties(el.attributes, target);
    // The sink only links an anonymous target when it counted property attributes, and its
    // counter is never incremented: such attributes end up on a node nothing points to.
    if (!anonymous) this.graph.add(subject, predicate, { kind: 'resource', uri: target });
    const mode = this.parseMode(el.attributes);
    this.content(el.children, mode, (node) => this.graph.add(subject, predicate, node));
  }

  private member(el: XmlElement, container: string): void {
    if (el.ns !== RDF_NS || el.local !== 'li') {
      throw new RdfError('RDF_MALFORMED', `A container may only hold RDF:li elements, found <${el.qname}>.`);
    }
    const resource = this.resourceAttribute(el.attributes);
    if (resource !== undefined) this.graph.appendMember(container, { kind: 'resource', uri: resource });
    const mode = this.parseMode(el.attributes);
    this.content(el.children, mode, (node) => this.graph.appendMember(container, node));
  }

  /** Content of a property or li element: text runs and nested node elements, in order. */
  private content(children: XmlChild[], mode: ParseMode, emit: (node: RdfNode) => void): void {
    for (const child of children) {
      if (child.type === 'text') {
        const node = this.textNode(child.value, mode);
        if (node) emit(node);
      } else {
        emit({ kind: 'resource', uri: this.object(child) });
      }
    }
  }
}

export function parseRdfXmlDocument(input: string | Buffer, options: RdfParseOptions = {}): ParsedRdf {
  const sink = new ContentSink(options.baseUrl);
  sink.document(parseXmlTree(input));
  return { graph: sink.graph, unresolvedUris: sink.unresolved };
}

export function parseRdfXml(input: string | Buffer, options: RdfParseOptions = {}): RdfGraph {
  return parseRdfXmlDocument(input, options).graph;
}
