import { describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../../src/manifest/update-rdf-verify.ts';
import { listAddonRoots } from '../../../src/manifest/addon-roots.ts';
import { parseRdfXml } from '../../../src/rdf/rdf-xml-parser.ts';
import { signedText } from '../../../src/rdf/signed-text.ts';
import { writeRdfXml } from '../../../src/rdf/rdf-xml-writer.ts';
import { loadMcCoyVectors, updateKeyFromInstallRdf } from '../../helpers/vectors.ts';

const vectors = loadMcCoyVectors();

describe('McCoy vectors (test/fixtures/mccoy)', () => {
  it('finds all five vector folders', () => {
    expect(vectors.map((v) => v.name)).toEqual([
      'NEG-scriptish-edited-after-signing',
      'mccoy-selftest-test1',
      'mccoy-selftest-test4',
      'mozilla-xpcshell-updatecheck',
      'propachi-vanilla-uhura',
    ]);
  });

  for (const vector of vectors) {
    describe(vector.name, () => {
      for (const check of vector.checks) {
        it(`${check.id} ${check.expect ? 'verifies' : 'fails'}`, () => {
          const key = check.key ?? updateKeyFromInstallRdf(vector.installRdf!);
          const [verdict] = verifyUpdateRdf(vector.updateRdf, key, { id: check.id });
          expect(verdict!.ok).toBe(check.expect);
        });
      }

      for (const [file, expected] of Object.entries(vector.signedStrings)) {
        it(`rebuilds ${file} byte for byte`, () => {
          const id = /^<RDF:Description about="urn:mozilla:extension:([^"]+)">/.exec(expected)![1]!;
          expect(signedText(parseRdfXml(vector.updateRdf), `urn:mozilla:extension:${id}`)).toBe(expected);
        });
      }

      it('keeps every signed text when re-written by Outpost', () => {
        const graph = parseRdfXml(vector.updateRdf);
        const roots = listAddonRoots(graph).map((r) => r.uri);
        const reparsed = parseRdfXml(writeRdfXml(graph, roots));
        for (const root of roots) {
          let before: string | Error;
          try {
            before = signedText(graph, root);
          } catch (err) {
            before = err as Error;
          }
          if (before instanceof Error) expect(() => signedText(reparsed, root)).toThrow();
          else expect(signedText(reparsed, root)).toBe(before);
        }
      });
    });
  }

  it('reports why the failing Mozilla entries fail', () => {
    const mozilla = vectors.find((v) => v.name === 'mozilla-xpcshell-updatecheck')!;
    const key = mozilla.checks[0]!.key!;
    const reasons = Object.fromEntries(
      ['test_bug378216_5@tests.mozilla.org', 'test_bug378216_7@tests.mozilla.org'].map((id) => {
        const [v] = verifyUpdateRdf(mozilla.updateRdf, key, { id });
        return [id, v!.ok ? 'ok' : v!.reason];
      }),
    );
    expect(reasons).toEqual({
      'test_bug378216_5@tests.mozilla.org': 'no-signature',
      'test_bug378216_7@tests.mozilla.org': 'bad-signature',
    });
  });
});
