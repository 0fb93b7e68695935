import { describe, expect, it } from 'vitest';
import { parseRdfXml } from '../../../src/rdf/rdf-xml-parser.ts';
import { checkXmlShape } from '../../../src/rdf/xml-limits.ts';
import { XML } from '../../../src/limits.ts';
import { codeOf } from '../../helpers/error-code.ts';

const doc = (inner: string) =>
  `<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:em="http://www.mozilla.org/2004/em-rdf#"><RDF:Description RDF:about="urn:x"><em:name>${inner}</em:name></RDF:Description></RDF:RDF>`;

describe('XML limits and characters', () => {
  it('accepts a document at the limits', () => {
    const depth = XML.maxDepth - 4;
    expect(() => parseRdfXml(doc(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`))).not.toThrow();
    expect(() => checkXmlShape(`<a ${Array.from({ length: XML.maxAttributesPerElement }, (_, i) => `x${i}="="`).join(' ')}/>`)).not.toThrow();
  });

  it('counts attributes outside quotes only, and skips comments, CDATA and PIs', () => {
    expect(() => checkXmlShape(`<a x="${'='.repeat(1000)}"/><!-- ${'<b>'.repeat(1000)} --><![CDATA[${'<c>'.repeat(1000)}]]><?pi ${'<d>'.repeat(1000)}?>`)).not.toThrow();
  });

  it.each([
    ['too deep', doc(`${'<a>'.repeat(XML.maxDepth)}${'</a>'.repeat(XML.maxDepth)}`)],
    ['too many attributes', doc(`<a ${Array.from({ length: XML.maxAttributesPerElement + 1 }, (_, i) => `x${i}="1"`).join(' ')}/>`)],
    ['too many elements', doc('<a/>'.repeat(XML.maxElements + 1))],
    ['too large', doc('x'.repeat(XML.maxBytes))],
  ])('RDF_TOO_COMPLEX: %s', (_name, text) => {
    expect(codeOf(() => parseRdfXml(text))).toBe('RDF_TOO_COMPLEX');
  });

  it.each([
    ['a raw control character', doc('a\u0007b')],
    ['a raw U+FFFF', doc('a\uffffb')],
    ['a lone surrogate', doc('a\ud800b')],
    ['a reference to U+0001', doc('&#1;')],
    ['a reference to a surrogate', doc('&#xDFFF;')],
    ['two byte-order marks', `\ufeff\ufeff${doc('x')}`],
  ])('RDF_INVALID_CHARACTER: %s', (_name, text) => {
    expect(codeOf(() => parseRdfXml(text))).toBe('RDF_INVALID_CHARACTER');
  });

  it('keeps tabs, newlines and characters beyond the BMP', () => {
    expect(() => parseRdfXml(`\ufeff${doc('a\tb\n\u{1F600}&#x1F600;&#9;')}`)).not.toThrow();
  });
});
