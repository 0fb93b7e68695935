import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAddonRoots } from '../../../src/manifest/addon-roots.ts';
import { renderUpdateRdf, type AddonUpdates } from '../../../src/manifest/update-rdf.ts';
import { EM_SIGNATURE, signAddonResources } from '../../../src/manifest/update-rdf-sign.ts';
import { verifyUpdateRdf } from '../../../src/manifest/update-rdf-verify.ts';
import { parseRdfXml } from '../../../src/rdf/rdf-xml-parser.ts';
import { signedText } from '../../../src/rdf/signed-text.ts';
import { decodeSignature } from '../../../src/signing/mccoy-signature.ts';
import { signerFromPrivateKey } from '../../../src/signing/signer.ts';
import { MCCOY_VECTORS } from '../../helpers/vectors.ts';
import { codeOf } from '../../helpers/error-code.ts';

const FIREFOX = '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}';
const SEAMONKEY = '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}';
const HASH = `sha256:${'ab'.repeat(32)}`;
const key2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signer = signerFromPrivateKey(key2048);

const addon = (id: string, versions: string[]): AddonUpdates => ({
  id,
  entries: versions.map((version) => ({
    version,
    targets: [
      { appId: SEAMONKEY, minVersion: '2.0', maxVersion: '2.*', updateLink: `https://u.example/files/${id}/${version}.xpi`, updateHash: HASH },
      { appId: FIREFOX, minVersion: '3.6', maxVersion: '56.*', updateLink: `https://u.example/files/${id}/${version}.xpi`, updateHash: HASH, updateInfoURL: 'https://u.example/notes' },
    ],
  })),
});

describe('renderUpdateRdf', () => {
  it('lists versions newest first by the toolkit comparator', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0', '1.10', '1.9', '1.0b2', '2.0pre'])]);
    const versions = [...xml.matchAll(/<em:version>([^<]+)<\/em:version>/g)].map((m) => m[1]);
    expect(versions).toEqual(['2.0pre', '1.10', '1.9', '1.0', '1.0b2']);
  });

  it('signs every add-on so that the client-side check passes', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0', '1.1']), addon('{11111111-2222-3333-4444-555555555555}', ['3'])], { signer });
    const verdicts = verifyUpdateRdf(xml, signer.updateKey);
    expect(verdicts.map((v) => [v.id, v.ok])).toEqual([
      ['a@example.org', true],
      ['{11111111-2222-3333-4444-555555555555}', true],
    ]);
    expect(verdicts.every((v) => v.ok && v.algorithm === 'sha512WithRSAEncryption')).toBe(true);
  });

  it('emits the element form of spec §4: anonymous li and targetApplication nodes, sha256 hashes', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0'])], { signer });
    expect(xml).toContain('<RDF:Description about="urn:mozilla:extension:a@example.org">');
    expect(xml).not.toMatch(/about="rdf:#\$/);
    expect(xml.match(/<em:targetApplication>/g)).toHaveLength(2);
    expect(xml).toContain(`<em:updateHash>${HASH}</em:updateHash>`);
    expect(xml).toMatch(/<em:signature>[A-Za-z0-9+/=]+<\/em:signature>\n  <\/RDF:Description>/);
  });

  it('orders several targetApplications by their text in the signed string (i.e. by app id)', () => {
    const graph = parseRdfXml(renderUpdateRdf([addon('a@example.org', ['1.0'])]));
    const text = signedText(graph, 'urn:mozilla:extension:a@example.org');
    expect(text.indexOf(SEAMONKEY)).toBeLessThan(text.indexOf(FIREFOX));
  });

  it('can sign with SHA-256, always with NULL algorithm parameters', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0'])], { signer, digest: 'sha256' });
    const [verdict] = verifyUpdateRdf(xml, signer.updateKey);
    expect(verdict).toMatchObject({ ok: true, algorithm: 'sha256WithRSAEncryption' });
    const sig = parseRdfXml(xml).literal('urn:mozilla:extension:a@example.org', EM_SIGNATURE)!;
    expect(decodeSignature(sig).hasNullParameters).toBe(true);
  });

  it('fails verification after any signed value is edited, and with another key', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0'])], { signer });
    const edited = xml.replace('<em:maxVersion>56.*</em:maxVersion>', '<em:maxVersion>57.*</em:maxVersion>');
    expect(verifyUpdateRdf(edited, signer.updateKey)[0]).toMatchObject({ ok: false, reason: 'bad-signature' });
    const other = signerFromPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(verifyUpdateRdf(xml, other.updateKey)[0]).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('keeps signed values ASCII: percent-encodes URLs, refuses other non-ASCII values and bad hashes', () => {
    const xml = renderUpdateRdf([
      { id: 'a@example.org', entries: [{ version: '1', targets: [{ appId: FIREFOX, minVersion: '1', maxVersion: '2', updateLink: 'https://u.example/é.xpi' }] }] },
    ]);
    expect(xml).toContain('https://u.example/%C3%A9.xpi');
    const bad = (patch: object) => () =>
      renderUpdateRdf([{ id: 'a@example.org', entries: [{ version: '1', targets: [{ appId: FIREFOX, minVersion: '1', maxVersion: '2', updateLink: 'https://x/y', ...patch }] }] }]);
    expect(codeOf(bad({ updateHash: 'sha256:ABC' }))).toBe('MANIFEST_HASH_INVALID');
    expect(codeOf(bad({ updateHash: `md5:${'a'.repeat(32)}` }))).toBe('MANIFEST_HASH_INVALID');
    expect(codeOf(bad({ minVersion: '1 .0' }))).toBe('MANIFEST_VALUE_INVALID');
  });
});

describe('McCoy compatibility (vector mccoy-selftest-test4)', () => {
  const dir = path.join(MCCOY_VECTORS, 'mccoy-selftest-test4');
  const mccoyKey = createPrivateKey({ key: readFileSync(path.join(dir, 'test4.pem')), passphrase: 'keytest4' });

  it('reproduces both of McCoy\'s em:signature values byte for byte', () => {
    const original = parseRdfXml(readFileSync(path.join(dir, 'update.rdf')));
    const roots = listAddonRoots(original).map((r) => r.uri);
    const expected = roots.map((r) => original.literal(r, EM_SIGNATURE));
    const resigned = parseRdfXml(readFileSync(path.join(dir, 'update.rdf')));
    signAddonResources(resigned, roots, signerFromPrivateKey(mccoyKey), 'sha512');
    expect(roots.map((r) => resigned.literal(r, EM_SIGNATURE))).toEqual(expected);
    expect(expected).toHaveLength(2);
  });

  it('wraps 1024-bit signatures in McCoy\'s DER prefix', () => {
    const xml = renderUpdateRdf([addon('a@example.org', ['1.0'])], { signer: signerFromPrivateKey(mccoyKey) });
    const sig = parseRdfXml(xml).literal('urn:mozilla:extension:a@example.org', EM_SIGNATURE)!;
    expect(Buffer.from(sig, 'base64').subarray(0, 22).toString('hex')).toBe('308193300d06092a864886f70d01010d050003818100');
  });
});
