import { PackageError } from './package-errors.ts';

/**
 * A position-keeping XML scanner for text-level edits: it reports where each element, tag and
 * attribute sits in the original text so an edit can touch exactly those bytes and leave the
 * author's formatting and comments alone. It is not a validating parser; callers parse the
 * document with the real parser first and only then scan it.
 */
export interface ScannedAttribute {
  qname: string;
  prefix: string | undefined;
  local: string;
  /** Decoded value (the five XML entities and character references). */
  value: string;
  /** From the whitespace before the name to just after the closing quote. */
  start: number;
  end: number;
}

export interface ScannedElement {
  qname: string;
  prefix: string | undefined;
  local: string;
  /** Namespace URI of the element, '' when none. */
  ns: string;
  /** Prefix → namespace in scope inside this element ('' is the default namespace). */
  scope: ReadonlyMap<string, string>;
  attributes: ScannedAttribute[];
  /** Index of the `<` of the start tag and just after its `>`. */
  start: number;
  startTagEnd: number;
  selfClosing: boolean;
  /** Index of `</` of the end tag and just after its `>` (equal to startTagEnd when self-closing). */
  endTagStart: number;
  end: number;
  children: ScannedElement[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlEntities(raw: string): string {
  return raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return ENTITIES[body] ?? whole;
  });
}

function fail(message: string): never {
  throw new PackageError('INSTALL_RDF_INVALID', `install.rdf could not be edited: ${message}`);
}

function split(qname: string): [string | undefined, string] {
  const i = qname.indexOf(':');
  return i < 0 ? [undefined, qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

const NAME = /[^\s=/>]+/y;
const ATTRIBUTE = /(\s+)([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/y;

function skipPast(text: string, from: number, marker: string): number {
  const i = text.indexOf(marker, from);
  if (i < 0) fail(`unterminated "${marker}" construct`);
  return i + marker.length;
}

export function scanXml(text: string): ScannedElement {
  const stack: ScannedElement[] = [];
  let root: ScannedElement | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) i = skipPast(text, lt + 4, '-->');
    else if (text.startsWith('<![CDATA[', lt)) i = skipPast(text, lt + 9, ']]>');
    else if (text.startsWith('<?', lt)) i = skipPast(text, lt + 2, '?>');
    else if (text.startsWith('<!', lt)) fail('DOCTYPE and other declarations are not supported');
    else if (text.startsWith('</', lt)) {
      const close = skipPast(text, lt + 2, '>');
      const qname = text.slice(lt + 2, close - 1).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) fail(`unexpected </${qname}>`);
      open.endTagStart = lt;
      open.end = close;
      i = close;
    } else {
      const el = startTag(text, lt, stack[stack.length - 1]);
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      if (!el.selfClosing) stack.push(el);
      i = el.startTagEnd;
    }
  }
  if (!root || stack.length > 0) fail('the document is incomplete');
  return root;
}

function startTag(text: string, lt: number, parent: ScannedElement | undefined): ScannedElement {
  NAME.lastIndex = lt + 1;
  const nameMatch = NAME.exec(text);
  if (!nameMatch) fail(`bad tag at offset ${lt}`);
  const qname = nameMatch[0];
  let pos = NAME.lastIndex;
  const attributes: ScannedAttribute[] = [];
  for (;;) {
    ATTRIBUTE.lastIndex = pos;
    const m = ATTRIBUTE.exec(text);
    if (!m) break;
    const [prefix, local] = split(m[2]!);
    attributes.push({ qname: m[2]!, prefix, local, value: decodeXmlEntities(m[3]!.slice(1, -1)), start: pos, end: ATTRIBUTE.lastIndex });
    pos = ATTRIBUTE.lastIndex;
  }
  const tail = /\s*(\/?)>/y;
  tail.lastIndex = pos;
  const t = tail.exec(text);
  if (!t) fail(`bad start tag <${qname}> at offset ${lt}`);
  const selfClosing = t[1] === '/';
  const startTagEnd = tail.lastIndex;

  const scope = new Map(parent?.scope ?? []);
  for (const a of attributes) {
    if (a.qname === 'xmlns') scope.set('', a.value);
    else if (a.prefix === 'xmlns') scope.set(a.local, a.value);
  }
  const [prefix, local] = split(qname);
  return {
    qname,
    prefix,
    local,
    ns: scope.get(prefix ?? '') ?? '',
    scope,
    attributes,
    start: lt,
    startTagEnd,
    selfClosing,
    endTagStart: startTagEnd,
    end: startTagEnd,
    children: [],
  };
}

/** The namespace of an attribute: unprefixed attributes have none (the default never applies). */
export function attributeNamespace(el: ScannedElement, attr: ScannedAttribute): string {
  return attr.prefix === undefined ? '' : (el.scope.get(attr.prefix) ?? '');
}

export function* walk(el: ScannedElement): Generator<ScannedElement> {
  yield el;
  for (const child of el.children) yield* walk(child);
}
