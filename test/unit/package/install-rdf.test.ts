import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInstallRdf } from '../../../src/package/install-rdf.ts';
import { PackageError } from '../../../src/package/package-errors.ts';
import { FIREFOX_ID, installRdf, SEAMONKEY_ID } from '../../helpers/build-xpi.ts';
import { codeOf } from './expect-code.ts';

const VECTORS = new URL('../../fixtures/mccoy/', import.meta.url);
const vector = (folder: string) => readFileSync(new URL(`${folder}/install.rdf`, VECTORS));

const FIREFOX = { id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' };
const SEAMONKEY = { id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' };
const base = { id: 'addon@example.org', version: '1.0.1', name: 'An <Add-on> & more', targets: [FIREFOX, SEAMONKEY] };

describe('parseInstallRdf: forms and prefixes give the same result', () => {
  const variants = [
    { form: 'element', prefix: 'em', rdfPrefix: 'RDF' },
    { form: 'attribute', prefix: 'em', rdfPrefix: 'RDF' },
    { form: 'element', prefix: 'mozilla', rdfPrefix: '' },
    { form: 'attribute', prefix: 'x', rdfPrefix: 'rdf' },
  ] as const;

  it.each(variants)('%o', (variant) => {
    const text = installRdf({ ...base, ...variant, updateURL: 'https://u.example/update.rdf?x=1&y=2', updateKey: 'MIGfMA0G', targetPlatforms: ['WINNT_x86-msvc', 'Linux'] });
    expect(parseInstallRdf(Buffer.from(text))).toEqual({
      id: 'addon@example.org',
      version: '1.0.1',
      name: 'An <Add-on> & more',
      type: 'extension',
      typeCode: undefined,
      targetApplications: [FIREFOX, SEAMONKEY],
      targetPlatforms: ['WINNT_x86-msvc', 'Linux'],
      updateURL: 'https://u.example/update.rdf?x=1&y=2',
      updateKey: 'MIGfMA0G',
      warnings: [],
    });
  });

  it('reads a document whose default namespace is the em namespace', () => {
    const text = `<?xml version="1.0"?>
<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://www.mozilla.org/2004/em-rdf#">
  <r:Description r:about="urn:mozilla:install-manifest">
    <id>default@example.org</id><version>2.0</version>
    <targetApplication><r:Description><id>toolkit@mozilla.org</id><minVersion>1.9</minVersion><maxVersion>*</maxVersion></r:Description></targetApplication>
  </r:Description>
</r:RDF>`;
    const m = parseInstallRdf(text);
    expect(m.id).toBe('default@example.org');
    expect(m.targetApplications).toEqual([{ id: 'toolkit@mozilla.org', minVersion: '1.9', maxVersion: '*' }]);
  });
});

describe('parseInstallRdf on the McCoy vectors', () => {
  it('mccoy-selftest-test1', () => {
    const m = parseInstallRdf(vector('mccoy-selftest-test1'));
    expect(m).toMatchObject({ id: 'test1@tests.mccoy.mozilla.org', version: '2.2', name: 'TaskHandler tests', type: 'extension' });
    expect(m.targetApplications).toEqual([{ id: FIREFOX_ID, minVersion: '1.5', maxVersion: '2.0.0.*' }]);
    expect(m.updateKey).toMatch(/^MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDIShjw.*QIDAQAB$/);
    expect(m.updateURL).toBeUndefined();
  });

  it('mccoy-selftest-test4', () => {
    const m = parseInstallRdf(vector('mccoy-selftest-test4'));
    expect(m.id).toBe('test1@tests.mccoy.mozilla.org');
    expect(m.updateKey).toMatch(/^MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCzJ/);
  });

  it('propachi-vanilla-uhura: em:type 2 and a key split over lines', () => {
    const m = parseInstallRdf(vector('propachi-vanilla-uhura'));
    expect(m).toMatchObject({ id: 'propachi-vanilla@juris-m.github.io', version: '1.1.5', type: 'extension', typeCode: 2 });
    expect(m.updateURL).toBe('https://juris-m.github.io/propachi-vanilla/update.rdf');
    expect(m.updateKey).toMatch(/^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsknZz0mHwhMpappMJe853WeKMu\+/);
    expect(m.updateKey).not.toMatch(/\s/);
    expect(m.targetApplications.map((t) => t.id)).toEqual([FIREFOX_ID, 'zotero@chnm.gmu.edu']);
  });

  it('NEG-scriptish: localized blocks do not leak into the top-level properties', () => {
    const m = parseInstallRdf(vector('NEG-scriptish-edited-after-signing'));
    expect(m).toMatchObject({ id: 'scriptish@erikvold.com', version: '0.1b6pre', name: 'Scriptish' });
    expect(m.updateURL).toBe('http://github.com/downloads/erikvold/scriptish/update.rdf');
    expect(m.targetApplications).toEqual([
      { id: FIREFOX_ID, minVersion: '4.0b5pre', maxVersion: '4.0.*' },
      { id: SEAMONKEY_ID, minVersion: '2.1a3', maxVersion: '2.1.*' },
    ]);
  });
});

describe('parseInstallRdf: em:type', () => {
  it.each([
    [undefined, 'extension', undefined],
    [2, 'extension', 2],
    [4, 'theme', 4],
    [8, 'other', 8],
    [32, 'other', 32],
    [64, 'other', 64],
    ['abc', 'other', undefined],
  ])('em:type %s → %s', (type, expected, code) => {
    const m = parseInstallRdf(installRdf({ ...base, type }));
    expect(m.type).toBe(expected);
    expect(m.typeCode).toBe(code);
  });

  it('reads an NC:parseType="Integer" type', () => {
    const extra = '    <em:type NC:parseType="Integer" xmlns:NC="http://home.netscape.com/NC-rdf#">4</em:type>';
    expect(parseInstallRdf(installRdf({ ...base, extra })).type).toBe('theme');
  });
});

describe('parseInstallRdf: errors and warnings', () => {
  it('INSTALL_RDF_NO_ID / INSTALL_RDF_NO_VERSION', async () => {
    expect(await codeOf(() => parseInstallRdf(installRdf({ version: '1.0', targets: [FIREFOX] })))).toBe('INSTALL_RDF_NO_ID');
    expect(await codeOf(() => parseInstallRdf(installRdf({ id: 'a@b.c', targets: [FIREFOX] })))).toBe('INSTALL_RDF_NO_VERSION');
    // An id on some other node is not the add-on's id.
    const elsewhere = installRdf({ version: '1.0', extra: '    <em:file><RDF:Description em:id="a@b.c"/></em:file>' });
    expect(await codeOf(() => parseInstallRdf(elsewhere))).toBe('INSTALL_RDF_NO_ID');
  });

  it.each([['../../x@y'], ['a/b@c'], ['evil'], ['{not-a-guid}'], ['a@b c']])('ADDON_ID_INVALID: %s', async (id) => {
    expect(await codeOf(() => parseInstallRdf(installRdf({ ...base, id })))).toBe('ADDON_ID_INVALID');
  });

  it.each([['1.0/../../x'], ['1.0?x=1'], ['1.*'], ['1 .0']])('ADDON_VERSION_INVALID: %s', async (version) => {
    expect(await codeOf(() => parseInstallRdf(installRdf({ ...base, version })))).toBe('ADDON_VERSION_INVALID');
  });

  it('ADDON_VERSION_INVALID for a target version that could escape a URL', async () => {
    const targets = [{ id: FIREFOX_ID, minVersion: '1.0', maxVersion: '3/../x' }];
    expect(await codeOf(() => parseInstallRdf(installRdf({ ...base, targets })))).toBe('ADDON_VERSION_INVALID');
  });

  it('INSTALL_RDF_INVALID wraps RDF errors (DOCTYPE, malformed XML) with the cause attached', () => {
    const doctype = '<?xml version="1.0"?><!DOCTYPE RDF [<!ENTITY x "y">]><RDF xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>';
    for (const [text, cause] of [[doctype, 'RDF_DOCTYPE_FORBIDDEN'], ['<RDF><unclosed></RDF>', 'RDF_MALFORMED']] as const) {
      let error: unknown;
      try {
        parseInstallRdf(text);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PackageError);
      expect((error as PackageError).code).toBe('INSTALL_RDF_INVALID');
      expect(((error as PackageError).cause as { code: string }).code).toBe(cause);
    }
  });

  it('INSTALL_RDF_INVALID for two different em:id values', async () => {
    const text = installRdf({ ...base, extra: '    <em:id>other@example.org</em:id>' });
    expect(await codeOf(() => parseInstallRdf(text))).toBe('INSTALL_RDF_INVALID');
  });

  it('INSTALL_RDF_INVALID for text that is not UTF-8', async () => {
    const utf8 = Buffer.from(installRdf({ ...base, name: 'Café' }));
    expect(parseInstallRdf(utf8).name).toBe('Café');
    expect(parseInstallRdf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])).name).toBe('Café');
    const latin1 = Buffer.from(installRdf({ ...base, name: 'Café' }), 'latin1');
    expect(await codeOf(() => parseInstallRdf(latin1))).toBe('INSTALL_RDF_INVALID');
    const declared = Buffer.from(installRdf({ ...base, name: 'Café' }).replace('UTF-8', 'ISO-8859-1'), 'latin1');
    expect(await codeOf(() => parseInstallRdf(declared))).toBe('INSTALL_RDF_INVALID');
    const asciiDeclared = Buffer.from(installRdf(base).replace('UTF-8', 'ISO-8859-1'), 'latin1');
    expect(parseInstallRdf(asciiDeclared).id).toBe('addon@example.org');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(installRdf(base), 'utf16le')]);
    expect(await codeOf(() => parseInstallRdf(utf16))).toBe('INSTALL_RDF_INVALID');
  });

  it('skips incomplete targetApplications with a warning', () => {
    const extra = '    <em:targetApplication><RDF:Description><em:id>x@y.z</em:id></RDF:Description></em:targetApplication>';
    const m = parseInstallRdf(installRdf({ ...base, targets: [FIREFOX], extra }));
    expect(m.targetApplications).toEqual([FIREFOX]);
    expect(m.warnings).toHaveLength(1);
  });

  it('warns when no target application is usable', () => {
    expect(parseInstallRdf(installRdf({ id: 'a@b.c', version: '1' })).warnings).toHaveLength(1);
  });
});
