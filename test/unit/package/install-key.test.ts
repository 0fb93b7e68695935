import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_PREFIX, EM_NS, type RdfGraph } from '../../../src/rdf/graph.ts';
import { parseRdfXml } from '../../../src/rdf/rdf-xml-parser.ts';
import { addUpdateKeyToInstallRdf } from '../../../src/package/install-key.ts';
import { INSTALL_MANIFEST, parseInstallRdf } from '../../../src/package/install-rdf.ts';
import { FIREFOX_ID, installRdf } from '../../helpers/build-xpi.ts';
import { codeOf } from './expect-code.ts';

const VECTORS = new URL('../../fixtures/mccoy/', import.meta.url);
const vector = (folder: string) => readFileSync(new URL(`${folder}/install.rdf`, VECTORS), 'utf8');

const KEY_1 = parseInstallRdf(vector('mccoy-selftest-test1')).updateKey!;
const KEY_4 = parseInstallRdf(vector('mccoy-selftest-test4')).updateKey!;
const KEY_2048 = parseInstallRdf(vector('propachi-vanilla-uhura')).updateKey!;
const URL_IN = 'https://updates.example.org/update.rdf?id=%ITEM_ID%&v=%ITEM_VERSION%';
const URL_XML = 'https://updates.example.org/update.rdf?id=%ITEM_ID%&amp;v=%ITEM_VERSION%';
const FIREFOX = { id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' };

/** The graph as a tree string, blank-node names replaced by their content (install.rdf is a tree). */
function canonical(graph: RdfGraph, uri: string, skip: readonly string[]): string {
  const items = graph
    .statementsAbout(uri)
    .filter((s) => !(uri === INSTALL_MANIFEST && skip.includes(s.predicate)))
    .map((s) => {
      const o = s.object;
      if (o.kind !== 'resource') return `${s.predicate}=${o.kind}:${String(o.value)}`;
      return `${s.predicate}=${o.uri.startsWith(ANONYMOUS_PREFIX) ? canonical(graph, o.uri, skip) : `<${o.uri}>`}`;
    })
    .sort();
  return `{${items.join(',')}}`;
}

/** Everything except the edited properties must be unchanged, anonymous nodes included. */
function expectSameGraphExcept(before: string, after: string, locals: string[]): void {
  const skip = locals.map((l) => EM_NS + l);
  const a = parseRdfXml(before);
  const b = parseRdfXml(after);
  const named = (g: RdfGraph) => g.subjects().filter((s) => !s.startsWith(ANONYMOUS_PREFIX)).sort();
  expect(named(b)).toEqual(named(a));
  for (const subject of named(a)) expect(canonical(b, subject, skip)).toBe(canonical(a, subject, skip));
}

function comments(text: string): string[] {
  return text.match(/<!--[\s\S]*?-->/g) ?? [];
}

describe('addUpdateKeyToInstallRdf on the McCoy vectors', () => {
  it('test1: replaces the key in place and inserts the URL before </Description>', () => {
    const original = vector('mccoy-selftest-test1');
    const result = addUpdateKeyToInstallRdf(original, KEY_4, URL_IN);
    const expected = original
      .replace(KEY_1, KEY_4)
      .replace('  </Description>      ', `    <em:updateURL>${URL_XML}</em:updateURL>\n  </Description>      `);
    expect(result).toBe(expected);
    const parsed = parseInstallRdf(result);
    expect(parsed.updateKey).toBe(KEY_4);
    expect(parsed.updateURL).toBe(URL_IN);
    expectSameGraphExcept(original, result, ['updateKey', 'updateURL']);
  });

  it('propachi: a key split over lines becomes one line; the URL is replaced where it was', () => {
    const original = vector('propachi-vanilla-uhura');
    const result = addUpdateKeyToInstallRdf(original, KEY_1, URL_IN);
    const oldKeyElement = /<em:updateKey>[\s\S]*?<\/em:updateKey>/.exec(original)![0];
    const expected = original
      .replace(oldKeyElement, `<em:updateKey>${KEY_1}</em:updateKey>`)
      .replace('https://juris-m.github.io/propachi-vanilla/update.rdf', URL_XML);
    expect(result).toBe(expected);
    expect(comments(result)).toEqual(comments(original));
    expectSameGraphExcept(original, result, ['updateKey', 'updateURL']);
  });

  it('scriptish: keeps comments, blank lines and non-ASCII text; leaves the URL alone when none is given', () => {
    const original = vector('NEG-scriptish-edited-after-signing');
    const oldKey = parseInstallRdf(original).updateKey!;
    const result = addUpdateKeyToInstallRdf(original, KEY_2048);
    expect(result).toBe(original.replace(oldKey, KEY_2048));
    expect(comments(result)).toEqual(['<!-- Firefox -->', '<!-- SeaMonkey -->']);
    expect(parseInstallRdf(result).updateURL).toBe('http://github.com/downloads/erikvold/scriptish/update.rdf');
    expectSameGraphExcept(original, result, ['updateKey']);
  });

  it('test4: accepts a key with whitespace in it and writes it without', () => {
    const original = vector('mccoy-selftest-test4');
    const wrapped = KEY_1.replace(/(.{64})/g, '$1\n  ');
    const result = addUpdateKeyToInstallRdf(original, wrapped);
    expect(result).toBe(original.replace(KEY_4, KEY_1));
  });
});

describe('addUpdateKeyToInstallRdf on other layouts', () => {
  it('attribute form with another prefix: removes the attributes and adds elements with that prefix', () => {
    const original = installRdf({ id: 'a@b.c', version: '1.0', targets: [FIREFOX], form: 'attribute', prefix: 'x', rdfPrefix: 'rdf', updateKey: KEY_1, updateURL: 'http://old.example/u.rdf' });
    const result = addUpdateKeyToInstallRdf(original, KEY_4, URL_IN);
    expect(result).not.toMatch(/x:updateKey=|x:updateURL=/);
    expect(result).toContain(`    <x:updateURL>${URL_XML}</x:updateURL>\n    <x:updateKey>${KEY_4}</x:updateKey>\n  </rdf:Description>`);
    expect(parseInstallRdf(result)).toMatchObject({ updateKey: KEY_4, updateURL: URL_IN, id: 'a@b.c', version: '1.0' });
    expectSameGraphExcept(original, result, ['updateKey', 'updateURL']);
  });

  it('element form without a key: inserts before the closing tag at the children\'s indentation', () => {
    const original = installRdf({ id: 'a@b.c', version: '1.0', targets: [FIREFOX] });
    const result = addUpdateKeyToInstallRdf(original, KEY_1);
    expect(result).toBe(original.replace('  </RDF:Description>\n</RDF:RDF>', `    <em:updateKey>${KEY_1}</em:updateKey>\n  </RDF:Description>\n</RDF:RDF>`));
    expectSameGraphExcept(original, result, ['updateKey']);
  });

  it('expands a self-closing Description', () => {
    const original = [
      '<?xml version="1.0"?>',
      '<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:em="http://www.mozilla.org/2004/em-rdf#">',
      '  <RDF:Description RDF:about="urn:mozilla:install-manifest" em:id="a@b.c" em:version="1.0" em:updateKey="MIGf"/>',
      '</RDF:RDF>',
    ].join('\n');
    const result = addUpdateKeyToInstallRdf(original, KEY_1, URL_IN);
    expect(result).toBe(
      [
        '<?xml version="1.0"?>',
        '<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:em="http://www.mozilla.org/2004/em-rdf#">',
        '  <RDF:Description RDF:about="urn:mozilla:install-manifest" em:id="a@b.c" em:version="1.0">',
        `    <em:updateURL>${URL_XML}</em:updateURL>`,
        `    <em:updateKey>${KEY_1}</em:updateKey>`,
        '  </RDF:Description>',
        '</RDF:RDF>',
      ].join('\n'),
    );
    expectSameGraphExcept(original, result, ['updateKey', 'updateURL']);
  });

  it('keeps CRLF line ends and tab indentation', () => {
    const original = installRdf({ id: 'a@b.c', version: '1.0', targets: [FIREFOX] }).replace(/^( +)/gm, (s) => '\t'.repeat(s.length / 2)).replace(/\n/g, '\r\n');
    const result = addUpdateKeyToInstallRdf(original, KEY_1);
    expect(result).toContain(`\r\n\t\t<em:updateKey>${KEY_1}</em:updateKey>\r\n\t</RDF:Description>\r\n`);
    expect(result.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('uses unprefixed names when em is the default namespace', () => {
    const original = `<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://www.mozilla.org/2004/em-rdf#">
  <r:Description r:about="urn:mozilla:install-manifest">
    <id>d@example.org</id>
    <version>1</version>
  </r:Description>
</r:RDF>`;
    const result = addUpdateKeyToInstallRdf(original, KEY_1);
    expect(result).toContain(`    <version>1</version>\n    <updateKey>${KEY_1}</updateKey>\n  </r:Description>`);
    expect(parseInstallRdf(result).updateKey).toBe(KEY_1);
  });

  it('declares the em namespace when the document never binds it to a prefix in scope', () => {
    const original = `<RDF xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><Description about="urn:mozilla:install-manifest"><e:id xmlns:e="http://www.mozilla.org/2004/em-rdf#">a@b.c</e:id><e:version xmlns:e="http://www.mozilla.org/2004/em-rdf#">1</e:version></Description></RDF>`;
    const result = addUpdateKeyToInstallRdf(original, KEY_1);
    expect(parseInstallRdf(result).updateKey).toBe(KEY_1);
    expectSameGraphExcept(original, result, ['updateKey']);
  });

  it('removes duplicate keys and keys on a second install-manifest node', () => {
    const extra = `    <em:updateKey>${KEY_4}</em:updateKey>\n  </RDF:Description>\n  <RDF:Description RDF:about="urn:mozilla:install-manifest" em:updateKey="${KEY_4}">\n    <em:updateKey>${KEY_4}</em:updateKey>`;
    const original = installRdf({ id: 'a@b.c', version: '1.0', targets: [FIREFOX], updateKey: KEY_4, extra });
    const result = addUpdateKeyToInstallRdf(original, KEY_1);
    expect(result.match(/updateKey/g)).toHaveLength(2); // one element: open and close tag
    expect(parseInstallRdf(result).updateKey).toBe(KEY_1);
    expectSameGraphExcept(original, result, ['updateKey']);
  });
});

describe('addUpdateKeyToInstallRdf refuses bad input', () => {
  const doc = installRdf({ id: 'a@b.c', version: '1.0', targets: [FIREFOX] });

  it.each([['not base64!'], ['AAAA'], ['MIGfMA0'], ['']])('UPDATE_KEY_INVALID: %j', async (key) => {
    expect(await codeOf(() => addUpdateKeyToInstallRdf(doc, key))).toBe('UPDATE_KEY_INVALID');
  });

  it.each([['ftp://example.org/u.rdf'], ['update.rdf'], ['https://exa mple.org/'], ['javascript:alert(1)'], ['https://x.org/\n']])('UPDATE_URL_INVALID: %j', async (url) => {
    expect(await codeOf(() => addUpdateKeyToInstallRdf(doc, KEY_1, url))).toBe('UPDATE_URL_INVALID');
  });

  it('refuses documents it could not read', async () => {
    expect(await codeOf(() => addUpdateKeyToInstallRdf('<RDF', KEY_1))).toBe('INSTALL_RDF_INVALID');
    const doctype = `<!DOCTYPE x [<!ENTITY e "e">]>${doc.replace(/^<\?xml[^>]*>/, '')}`;
    expect(await codeOf(() => addUpdateKeyToInstallRdf(doctype, KEY_1))).toBe('INSTALL_RDF_INVALID');
    expect(await codeOf(() => addUpdateKeyToInstallRdf(installRdf({ version: '1' }), KEY_1))).toBe('INSTALL_RDF_NO_ID');
  });
});
