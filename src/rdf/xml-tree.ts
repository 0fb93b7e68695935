import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { RdfError } from './rdf-errors.ts';
import { checkXmlCharacters, checkXmlShape, isXmlChar } from './xml-limits.ts';

/**
 * A namespace-resolved XML element tree: the shape Mozilla's RDF content sink sees from expat
 * (names split into namespace URI + local name, entities decoded, line ends normalised).
 */
export interface XmlAttribute {
  ns: string;
  local: string;
  qname: string;
  value: string;
}

export interface XmlElement {
  type: 'element';
  ns: string;
  local: string;
  qname: string;
  attributes: XmlAttribute[];
  children: XmlChild[];
}

/** Character data between two tags; comments do not split it, CDATA is part of it. */
export interface XmlText {
  type: 'text';
  value: string;
}

export type XmlChild = XmlElement | XmlText;

export { RdfError, type RdfErrorCode } from './rdf-errors.ts';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are decoded here, after line-end normalisation, so `&#10;` survives as a newline.
  processEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new RdfError('RDF_MALFORMED', `Unterminated entity reference "${match}".`);
    if (body in PREDEFINED) return PREDEFINED[body]!;
    const num = /^#x([0-9a-fA-F]+)$/.exec(body) ?? /^#([0-9]+)$/.exec(body);
    if (num) {
      const code = parseInt(num[1]!, body.startsWith('#x') ? 16 : 10);
      if (!isXmlChar(code)) throw new RdfError('RDF_INVALID_CHARACTER', `The character reference "${match}" names a character XML 1.0 does not allow.`);
      return String.fromCodePoint(code);
    }
    throw new RdfError('RDF_MALFORMED', `Undefined entity "&${body};" (only XML's five are allowed).`);
  });
}

/** XML end-of-line handling: CRLF and lone CR become LF before anything else sees the text. */
function normaliseLineEnds(raw: string): string {
  return raw.replace(/\r\n?/g, '\n');
}

/** Attribute-value normalisation for CDATA attributes: literal tabs and newlines become spaces. */
function normaliseAttribute(raw: string): string {
  return decodeEntities(normaliseLineEnds(raw).replace(/[\t\n]/g, ' '));
}

type RawNode = Record<string, unknown>;

function splitQName(qname: string): [prefix: string | undefined, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? [undefined, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function resolveElement(node: RawNode, tag: string, scope: Map<string, string>): XmlElement {
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const local = new Map(scope);
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns') local.set('', normaliseAttribute(value));
    else if (name.startsWith('xmlns:')) local.set(name.slice(6), normaliseAttribute(value));
  }
  const lookup = (prefix: string): string => {
    if (prefix === 'xml') return XML_NS;
    const ns = local.get(prefix);
    if (ns === undefined) throw new RdfError('RDF_MALFORMED', `Namespace prefix "${prefix}" is not declared.`);
    return ns;
  };
  const [prefix, localName] = splitQName(tag);
  const ns = prefix === undefined ? (local.get('') ?? '') : lookup(prefix);
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttrs)) {
    const [aPrefix, aLocal] = splitQName(name);
    // Unprefixed attributes have no namespace; the default namespace never applies to them.
    const aNs = name === 'xmlns' || aPrefix === 'xmlns' ? XMLNS_NS : aPrefix === undefined ? '' : lookup(aPrefix);
    attributes.push({ ns: aNs, local: aLocal, qname: name, value: normaliseAttribute(value) });
  }
  const children: XmlChild[] = [];
  let text: string | undefined;
  const flush = (): void => {
    if (text !== undefined) children.push({ type: 'text', value: text });
    text = undefined;
  };
  for (const child of (node[tag] ?? []) as RawNode[]) {
    if ('#text' in child) {
      text = (text ?? '') + decodeEntities(normaliseLineEnds(String(child['#text'])));
    } else if ('#cdata' in child) {
      const parts = child['#cdata'] as RawNode[];
      text = (text ?? '') + normaliseLineEnds(parts.map((p) => String(p['#text'] ?? '')).join(''));
    } else if ('#comment' in child) {
      continue;
    } else {
      flush();
      const childTag = Object.keys(child).find((k) => k !== ':@')!;
      children.push(resolveElement(child, childTag, local));
    }
  }
  flush();
  return { type: 'element', ns, local: localName, qname: tag, attributes, children };
}

/**
 * Parses untrusted XML into a namespace-resolved tree. DOCTYPEs (and with them every entity trick)
 * are refused before any parsing happens.
 */
export function parseXmlTree(input: string | Buffer): XmlElement {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new RdfError('RDF_DOCTYPE_FORBIDDEN', 'XML documents with a DOCTYPE or entity declarations are not accepted.');
  }
  checkXmlCharacters(text);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkXmlShape(body);
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    throw new RdfError('RDF_MALFORMED', `Not well-formed XML (line ${valid.err.line}): ${valid.err.msg}`);
  }
  let raw: RawNode[];
  try {
    raw = parser.parse(body) as RawNode[];
  } catch (cause) {
    throw new RdfError('RDF_MALFORMED', 'Not well-formed XML.', { cause });
  }
  const roots = raw.filter((n) => !('#text' in n) && !('#comment' in n) && !('#cdata' in n));
  const strayText = raw.some((n) => '#text' in n && String(n['#text']).trim() !== '');
  if (roots.length !== 1 || strayText) {
    throw new RdfError('RDF_MALFORMED', 'An XML document must have exactly one root element.');
  }
  const root = roots[0]!;
  const tag = Object.keys(root).find((k) => k !== ':@')!;
  return resolveElement(root, tag, new Map([['xml', XML_NS]]));
}
