import { describe, expect, it } from 'vitest';
import { EM_NS, RDF_NS } from '../../../src/rdf/graph.ts';
import { parseRdfXml, parseRdfXmlDocument } from '../../../src/rdf/rdf-xml-parser.ts';
import { signedText } from '../../../src/rdf/signed-text.ts';
import { writeRdfXml } from '../../../src/rdf/rdf-xml-writer.ts';
import { codeOf } from '../../helpers/error-code.ts';

const NS = 'xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:em="http://www.mozilla.org/2004/em-rdf#"';
const ROOT = 'urn:mozilla:extension:a@b';

describe('parseRdfXml (Mozilla content-sink rules)', () => {
  it('reads attribute form and element form alike, with any em prefix', () => {
    const attr = parseRdfXml(`<r:RDF xmlns:r="${RDF_NS}" xmlns:x="${EM_NS}"><r:Description r:about="${ROOT}" x:version="1.0"/></r:RDF>`);
    const elem = parseRdfXml(`<RDF xmlns="${RDF_NS}" xmlns:em="${EM_NS}"><Description about="${ROOT}"><em:version>1.0</em:version></Description></RDF>`);
    expect(attr.literal(ROOT, `${EM_NS}version`)).toBe('1.0');
    expect(elem.literal(ROOT, `${EM_NS}version`)).toBe('1.0');
  });

  it('accepts em as the default namespace (property elements without prefix)', () => {
    const g = parseRdfXml(`<r:RDF xmlns:r="${RDF_NS}" xmlns="${EM_NS}"><r:Description about="${ROOT}"><version>\n  2.0\n</version></r:Description></r:RDF>`);
    expect(g.literal(ROOT, `${EM_NS}version`)).toBe('2.0');
  });

  it('trims space, tab, CR and LF from element text but not attribute values', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}" em:name=" spaced "><em:version>\t 1.0 \r\n</em:version><em:creator>\u00a0x\u00a0</em:creator></RDF:Description></RDF:RDF>`);
    expect(g.literal(ROOT, `${EM_NS}version`)).toBe('1.0');
    expect(g.literal(ROOT, `${EM_NS}name`)).toBe(' spaced ');
    // Only the four XML whitespace characters are trimmed, not NBSP.
    expect(g.literal(ROOT, `${EM_NS}creator`)).toBe('\u00a0x\u00a0');
  });

  it('drops whitespace-only text and decodes entities and CDATA', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:a>   </em:a><em:b>x &amp; &#60;y&#x3e; <![CDATA[<z&amp;>]]></em:b></RDF:Description></RDF:RDF>`);
    expect(g.objects(ROOT, `${EM_NS}a`)).toEqual([]);
    expect(g.literal(ROOT, `${EM_NS}b`)).toBe('x & <y> <z&amp;>');
  });

  it('loses property attributes on an anonymous property element, as the client does', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:targetApplication em:id="x" em:minVersion="1"/></RDF:Description></RDF:RDF>`);
    expect(g.objects(ROOT, `${EM_NS}targetApplication`)).toEqual([]);
    expect(signedText(g, ROOT)).toBe(`<RDF:Description about="${ROOT}">\n</RDF:Description>\n`);
  });

  it('keeps property attributes when the property element names its target', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:targetApplication resource="urn:app" em:id="x"/></RDF:Description></RDF:RDF>`);
    expect(g.resource(ROOT, `${EM_NS}targetApplication`)).toBe('urn:app');
    expect(g.literal('urn:app', `${EM_NS}id`)).toBe('x');
  });

  it('collapses duplicate statements', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:v>1</em:v><em:v>1</em:v></RDF:Description><RDF:Description about="${ROOT}" em:v="1"/></RDF:RDF>`);
    expect(g.objects(ROOT, `${EM_NS}v`)).toHaveLength(1);
  });

  it('serializes Seq, Bag and Alt with their members in order', () => {
    for (const kind of ['Seq', 'Bag', 'Alt']) {
      const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:updates><RDF:${kind}><RDF:li resource="urn:b"/><RDF:li><RDF:Description em:x="1"/></RDF:li><RDF:li resource="urn:a"/></RDF:${kind}></em:updates></RDF:Description></RDF:RDF>`);
      const text = signedText(g, ROOT);
      expect(text).toContain(`<RDF:${kind}>`);
      expect(text.indexOf('urn:b')).toBeLessThan(text.indexOf('<em:x>1</em:x>'));
      expect(text.indexOf('<em:x>1</em:x>')).toBeLessThan(text.indexOf('urn:a'));
    }
  });

  it('treats rdf:#$ ids as anonymous and other element names as typed nodes', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:targetApplication><em:App about="rdf:#$abc" em:id="x"/></em:targetApplication></RDF:Description></RDF:RDF>`);
    expect(g.resource(ROOT, `${EM_NS}targetApplication`)).toBe('rdf:#$abc');
    expect(g.resource('rdf:#$abc', `${RDF_NS}type`)).toBe(`${EM_NS}App`);
    // Anonymous: no about=; typed: type not serialized (rdf:type is not an em: property).
    expect(signedText(g, ROOT)).toBe(
      `<RDF:Description about="${ROOT}">\n  <em:targetApplication>\n    <RDF:Description>\n      <em:id>x</em:id>\n    </RDF:Description>\n  </em:targetApplication>\n</RDF:Description>\n`,
    );
  });

  it('writes integer literals with NC:parseType and sorts items as whole strings', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS} xmlns:NC="http://home.netscape.com/NC-rdf#"><RDF:Description about="${ROOT}"><em:version>1</em:version><em:count NC:parseType="Integer"> 42 </em:count><em:Zed>z</em:Zed></RDF:Description></RDF:RDF>`);
    expect(signedText(g, ROOT)).toBe(
      `<RDF:Description about="${ROOT}">\n  <em:Zed>z</em:Zed>\n  <em:count NC:parseType="Integer">42</em:count>\n  <em:version>1</em:version>\n</RDF:Description>\n`,
    );
  });

  it('escapes & < > " but not apostrophes in the signed text', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:name>a&amp;b&lt;c&gt;d"e'f</em:name></RDF:Description></RDF:RDF>`);
    expect(signedText(g, ROOT)).toContain(`<em:name>a&amp;b&lt;c&gt;d&quot;e'f</em:name>`);
  });

  it('fails to serialize a resource reached twice', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:a resource="urn:x"/><em:b resource="urn:x"/></RDF:Description></RDF:RDF>`);
    expect(codeOf(() => signedText(g, ROOT))).toBe('RDF_MULTIPLE_REFERENCES');
  });

  it('resolves relative about/resource values against the base URL and reports them without one', () => {
    const xml = `<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:page resource="notes.html"/></RDF:Description></RDF:RDF>`;
    expect(parseRdfXml(xml, { baseUrl: 'https://example.org/u/update.rdf' }).resource(ROOT, `${EM_NS}page`)).toBe('https://example.org/u/notes.html');
    expect(parseRdfXmlDocument(xml).unresolvedUris).toEqual(['notes.html']);
  });

  it('refuses DOCTYPEs, entity declarations, malformed XML and non-RDF roots with distinct codes', () => {
    expect(codeOf(() => parseRdfXml(`<!DOCTYPE x [<!ENTITY a "b">]><RDF:RDF ${NS}/>`))).toBe('RDF_DOCTYPE_FORBIDDEN');
    expect(codeOf(() => parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:a>&lol;</em:a></RDF:Description></RDF:RDF>`))).toBe('RDF_MALFORMED');
    expect(codeOf(() => parseRdfXml(`<RDF:RDF ${NS}><x:y/></RDF:RDF>`))).toBe('RDF_MALFORMED');
    expect(codeOf(() => parseRdfXml(`<RDF:RDF ${NS}><RDF:Description>`))).toBe('RDF_MALFORMED');
    expect(codeOf(() => parseRdfXml(`<html/>`))).toBe('RDF_NOT_RDF');
    expect(codeOf(() => parseRdfXml(`<RDF:RDF ${NS}><RDF:Seq about="urn:s"><em:x>1</em:x></RDF:Seq></RDF:RDF>`))).toBe('RDF_MALFORMED');
  });
});

describe('writeRdfXml', () => {
  it('keeps literals with surrounding whitespace, empty literals and newlines intact through a round trip', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}" em:a=" x " em:b="" em:c="l1&#10;l2&#13;&#9;t"><em:d>in&#13;side</em:d></RDF:Description></RDF:RDF>`);
    const back = parseRdfXml(writeRdfXml(g, [ROOT]));
    for (const p of ['a', 'b', 'c', 'd']) expect(back.literal(ROOT, `${EM_NS}${p}`)).toBe(g.literal(ROOT, `${EM_NS}${p}`));
    expect(signedText(back, ROOT)).toBe(signedText(g, ROOT));
  });

  it('writes a shared resource once at the top level and links it by URI', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:a resource="urn:x"/></RDF:Description><RDF:Description about="urn:other"><em:b resource="urn:x"/></RDF:Description><RDF:Description about="urn:x" em:v="1"/></RDF:RDF>`);
    const out = writeRdfXml(g, [ROOT]);
    expect(out.match(/about="urn:x"/g)).toHaveLength(1);
    const back = parseRdfXml(out);
    expect(back.literal('urn:x', `${EM_NS}v`)).toBe('1');
    expect(back.resource('urn:other', `${EM_NS}b`)).toBe('urn:x');
  });

  it('refuses control characters XML cannot carry', () => {
    const g = parseRdfXml(`<RDF:RDF ${NS}><RDF:Description about="${ROOT}"><em:a>x</em:a></RDF:Description></RDF:RDF>`);
    g.add(ROOT, `${EM_NS}b`, { kind: 'literal', value: 'bell\u0007' });
    expect(codeOf(() => writeRdfXml(g, [ROOT]))).toBe('RDF_UNWRITABLE');
  });
});
