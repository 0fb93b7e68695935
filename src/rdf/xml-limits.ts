import { XML } from '../limits.ts';
import { RdfError } from './rdf-errors.ts';

/**
 * Checks that run on the raw text before any XML parser sees it: size, characters and shape. The
 * parsers behind us recurse per element and allocate per attribute, so a document 100 000 elements
 * deep must be refused by a loop, not discovered by a stack overflow.
 */

// XML 1.0 Char production; with the u flag a lone surrogate is a code point outside it.
const FORBIDDEN_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function tooComplex(message: string): RdfError {
  return new RdfError('RDF_TOO_COMPLEX', `${message} Simplify the document.`);
}

/** Refuses characters XML 1.0 forbids and a byte-order mark repeated after the first. */
export function checkXmlCharacters(text: string): void {
  const forbidden = FORBIDDEN_CHAR.exec(text);
  if (forbidden) {
    const code = forbidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const line = text.slice(0, forbidden.index).split('\n').length;
    throw new RdfError('RDF_INVALID_CHARACTER', `Line ${line} contains U+${code}, a character XML 1.0 does not allow. Remove it.`);
  }
  // One BOM may start the text; a second one right after it is read as content by some parsers
  // and skipped by others.
  if (text.charCodeAt(0) === 0xfeff && text.charCodeAt(1) === 0xfeff) {
    throw new RdfError('RDF_INVALID_CHARACTER', 'The document starts with two byte-order marks. Save it with at most one.');
  }
}

/** Skips to just past `marker`, or the end of the text. */
function past(text: string, from: number, marker: string): number {
  const i = text.indexOf(marker, from);
  return i < 0 ? text.length : i + marker.length;
}

/**
 * Measures depth, element count and attributes per start tag with one linear pass (quotes inside
 * tags respected; comments, CDATA and processing instructions skipped). Malformed text is left to
 * the parser to report: this only has to bound the work it will do.
 */
export function checkXmlShape(text: string): void {
  if (text.length > XML.maxBytes) throw tooComplex(`The document is ${text.length} characters long; at most ${XML.maxBytes} are accepted.`);
  let depth = 0;
  let elements = 0;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) { i = past(text, lt + 4, '-->'); continue; }
    if (text.startsWith('<![CDATA[', lt)) { i = past(text, lt + 9, ']]>'); continue; }
    if (text.startsWith('<?', lt)) { i = past(text, lt + 2, '?>'); continue; }
    if (text.startsWith('</', lt)) { depth--; i = past(text, lt + 2, '>'); continue; }
    if (text.startsWith('<!', lt)) { i = past(text, lt + 2, '>'); continue; }
    // A start tag: walk to its `>` outside quotes, counting `=` signs (one per attribute).
    let j = lt + 1;
    let quote = '';
    let attributes = 0;
    for (; j < text.length; j++) {
      const c = text[j];
      if (quote) { if (c === quote) quote = ''; }
      else if (c === '"' || c === "'") quote = c;
      else if (c === '=') attributes++;
      else if (c === '>') break;
    }
    const selfClosing = text[j - 1] === '/';
    elements++;
    if (!selfClosing) depth++;
    if (elements > XML.maxElements) throw tooComplex(`The document has more than ${XML.maxElements} elements.`);
    if (depth > XML.maxDepth) throw tooComplex(`Elements are nested more than ${XML.maxDepth} deep.`);
    if (attributes > XML.maxAttributesPerElement) throw tooComplex(`An element has more than ${XML.maxAttributesPerElement} attributes.`);
    i = j + 1;
  }
}
