/**
 * Path tricks in every field that becomes a name (id, version, application id, target platform),
 * XML tricks in install.rdf, and manifest.json tricks.
 */
import { buildXpi, FIREFOX_ID, installRdf, webextManifest, type InstallRdfOptions } from '../../helpers/build-xpi.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { packageCase, type HostileCase, type HostileTarget } from './hostile-case.ts';

const FIREFOX = { id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' };
const base: InstallRdfOptions = { id: 'attacker@example.org', version: '1.0', name: 'Attacker', targets: [FIREFOX] };

const rdfXpi = (options: InstallRdfOptions) => () => buildXpi({ 'install.rdf': installRdf({ ...base, ...options }) });
const rawRdfXpi = (text: string | Buffer) => () => buildXpi({ 'install.rdf': text });
const webextXpi = (manifest: string | Buffer) => () => buildXpi({ 'manifest.json': manifest });

/** The victim's id only exists at run time, so these cases build their package per target. */
function victimCase(name: string, code: string, options: (t: HostileTarget) => InstallRdfOptions, status = 400): HostileCase {
  const c = packageCase('path tricks', name, code, () => Buffer.alloc(0), undefined, status);
  return { ...c, send: (t) => packageCase('', '', code, rdfXpi(options(t))).send(t) };
}

/** Each becomes part of a name; none may survive as one (a NUL is already refused as XML). */
const TRAVERSALS = ['../x', '../../../../../canary', '..', '/', 'a/b', 'a\\b', '%2e%2e', 'a..b', 'a b', 'a\u0000b', 'caf\u00e9', 'a\tb', 'a?b', 'a#b'];
const codeFor = (t: string, code: string) => (t.includes('\u0000') ? 'XML_INVALID_CHARACTER' : code);

export function manifestCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const t of TRAVERSALS) {
    cases.push(packageCase('path tricks', `install.rdf em:id ${JSON.stringify(t)}@example.org`, codeFor(t, 'ADDON_ID_INVALID'), rdfXpi({ id: `${t}@example.org` })));
    cases.push(packageCase('path tricks', `manifest.json gecko.id ${JSON.stringify(t)}@example.org`, 'ADDON_ID_INVALID', webextXpi(webextManifest({ id: `${t}@example.org` }))));
    cases.push(packageCase('path tricks', `em:version ${JSON.stringify(t)}`, codeFor(t, 'ADDON_VERSION_INVALID'), rdfXpi({ version: `1${t}` })));
    cases.push(packageCase('path tricks', `targetApplication id ${JSON.stringify(t)}`, codeFor(t, 'APPLICATION_ID_INVALID'), rdfXpi({ targets: [{ ...FIREFOX, id: t }] })));
    cases.push(packageCase('path tricks', `em:targetPlatform ${JSON.stringify(t)}`, codeFor(t, 'TARGET_PLATFORM_INVALID'), rdfXpi({ targetPlatforms: [t] })));
  }
  cases.push(
    victimCase('targetApplication id naming the victim\'s folder', 'APPLICATION_ID_INVALID', (t) => ({ targets: [{ ...FIREFOX, id: `../${t.victimId}` }] })),
    victimCase('targetPlatform reaching the victim\'s folder', 'TARGET_PLATFORM_INVALID', (t) => ({ targetPlatforms: [`../../${t.victimId}`] })),
    victimCase('targetApplication id with the victim\'s folder and an app', 'APPLICATION_ID_INVALID', (t) => ({ targets: [{ ...FIREFOX, id: `../${t.victimId}/${FIREFOX_ID}` }] })),
    victimCase('the victim\'s id in capitals', 'ADDON_ID_CASE_CONFLICT', (t) => ({ id: t.victimId.toUpperCase() }), 409),
    victimCase('the victim\'s id', 'ADDON_OWNED_BY_OTHER_KEY', (t) => ({ id: t.victimId, version: '2.0' }), 403),
    packageCase('path tricks', 'em:id of 81 characters', 'ADDON_ID_INVALID', rdfXpi({ id: `${'a'.repeat(77)}@b.c` })),
    packageCase('path tricks', 'em:version of 65 characters', 'ADDON_VERSION_INVALID', rdfXpi({ version: `1.${'0'.repeat(63)}` })),
    packageCase('path tricks', '17 target platforms', 'TARGET_PLATFORM_INVALID', rdfXpi({ targetPlatforms: Array.from({ length: 17 }, (_, i) => `OS${i}`) })),
    packageCase('path tricks', 'targetPlatform of 65 characters', 'TARGET_PLATFORM_INVALID', rdfXpi({ targetPlatforms: [`Linux_${'x'.repeat(59)}`] })),
    packageCase('ranges', 'minVersion above maxVersion', 'RANGE_INVALID', rdfXpi({ targets: [{ id: FIREFOX_ID, minVersion: '120.0', maxVersion: '60.*' }] })),
    packageCase('ranges', 'strict_min_version above strict_max_version', 'RANGE_INVALID', webextXpi(webextManifest({ id: 'a@example.org', strict_min_version: '130.0', strict_max_version: '128.0' }))),
    packageCase('ranges', 'maxVersion "*" below a numeric min is fine but "1.*" below 2.0 is not', 'RANGE_INVALID', rdfXpi({ targets: [{ id: FIREFOX_ID, minVersion: '2.0', maxVersion: '1.*' }] })),
    packageCase('ranges', 'a targetApplication listed twice', 'INSTALL_RDF_INVALID', rdfXpi({ targets: [FIREFOX, { ...FIREFOX, minVersion: '70.0' }] })),
    packageCase('hybrid', 'install.rdf and manifest.json name different ids', 'MANIFESTS_DISAGREE', () =>
      buildXpi({ 'install.rdf': installRdf(base), 'manifest.json': webextManifest({ id: 'other@example.org', version: '1.0' }) })),
    packageCase('hybrid', 'install.rdf and manifest.json name different versions', 'MANIFESTS_DISAGREE', () =>
      buildXpi({ 'install.rdf': installRdf(base), 'manifest.json': webextManifest({ id: 'attacker@example.org', version: '2.0' }) })),
    packageCase('hybrid', 'manifest.json id through the old applications key differs', 'MANIFESTS_DISAGREE', () =>
      buildXpi({ 'install.rdf': installRdf(base), 'manifest.json': webextManifest({ id: 'other@example.org', version: '1.0', geckoKey: 'applications' }) })),
  );
  cases.push(...xmlCases(), ...webextCases());
  return cases;
}

function xmlCases(): HostileCase[] {
  const valid = installRdf(base);
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const withText = (inner: string) => valid.replace('<em:name>Attacker</em:name>', `<em:name>${inner}</em:name>`);
  const c = (name: string, code: string, text: string | Buffer) => packageCase('xml', name, code, rawRdfXpi(text));
  const cases = [
    c('DOCTYPE', 'INSTALL_RDF_INVALID', valid.replace('<RDF:RDF', '<!DOCTYPE RDF:RDF [<!ENTITY x "y">]>\n<RDF:RDF')),
    c('billion laughs', 'INSTALL_RDF_INVALID', valid.replace('<RDF:RDF', `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]>\n<RDF:RDF`).replace('Attacker', '&j;')),
    c('external entity', 'INSTALL_RDF_INVALID', valid.replace('<RDF:RDF', '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<RDF:RDF').replace('Attacker', '&e;')),
    c('undefined entity', 'INSTALL_RDF_INVALID', withText('&nbsp;')),
    c('raw U+0001', 'XML_INVALID_CHARACTER', withText('a\u0001b')),
    c('raw U+FFFE', 'XML_INVALID_CHARACTER', withText('a\ufffeb')),
    c('raw U+001B escape', 'XML_INVALID_CHARACTER', withText('\u001b[31mred')),
    c('character reference &#1;', 'XML_INVALID_CHARACTER', withText('&#1;')),
    c('character reference &#xD800;', 'XML_INVALID_CHARACTER', withText('&#xD800;')),
    c('character reference &#xFFFF;', 'XML_INVALID_CHARACTER', withText('&#xFFFF;')),
    c('character reference &#0;', 'XML_INVALID_CHARACTER', withText('&#0;')),
    c('two UTF-8 byte-order marks', 'XML_INVALID_CHARACTER', Buffer.concat([BOM, BOM, Buffer.from(valid)])),
    c('three UTF-8 byte-order marks', 'XML_INVALID_CHARACTER', Buffer.concat([BOM, BOM, BOM, Buffer.from(valid)])),
    c('a UTF-8 BOM then a UTF-16 BOM', 'XML_INVALID_CHARACTER', Buffer.concat([BOM, Buffer.from([0xff, 0xfe]), Buffer.from(valid)])),
    c('UTF-16 text', 'INSTALL_RDF_INVALID', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')])),
    c('invalid UTF-8', 'INSTALL_RDF_INVALID', Buffer.concat([Buffer.from(valid.slice(0, 200)), Buffer.from([0xc0, 0xae]), Buffer.from(valid.slice(200))])),
    c('latin1 declared with non-ASCII text', 'INSTALL_RDF_INVALID', Buffer.from(valid.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Attacker', 'Caf\u00e9'), 'latin1')),
    c('nesting 100 000 deep', 'XML_TOO_COMPLEX', withText(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`)),
    c('nesting 65 deep', 'XML_TOO_COMPLEX', withText(`${'<a>'.repeat(65)}${'</a>'.repeat(65)}`)),
    c('300 attributes on one element', 'XML_TOO_COMPLEX', withText(`<a ${Array.from({ length: 300 }, (_, i) => `x${i}="1"`).join(' ')}/>`)),
    c('150 000 empty elements', 'XML_TOO_COMPLEX', withText('<a/>'.repeat(150_000))),
    packageCase('xml', 'more than 1 MiB of text', 'ZIP_ENTRY_TOO_LARGE', () => buildXpi({ 'install.rdf': withText('x'.repeat(1024 * 1024 + 10)) }, { compress: false })),
    c('more than 1 MiB of text, deflated 1000:1', 'ZIP_BOMB', withText('x'.repeat(1024 * 1024 + 10))),
    c('two root elements', 'INSTALL_RDF_INVALID', `${valid}\n<RDF:RDF xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`),
    c('unterminated document', 'INSTALL_RDF_INVALID', valid.slice(0, valid.length - 20)),
    c('undeclared namespace prefix', 'INSTALL_RDF_INVALID', withText('<zz:a/>')),
    c('em:id given twice with different values', 'INSTALL_RDF_INVALID', valid.replace('<em:version>', '<em:id>second@example.org</em:id><em:version>')),
    c('no em:id', 'INSTALL_RDF_NO_ID', installRdf({ ...base, id: undefined })),
    c('no em:version', 'INSTALL_RDF_NO_VERSION', installRdf({ ...base, version: undefined })),
  ];
  return cases;
}

function webextCases(): HostileCase[] {
  const c = (name: string, code: string, manifest: string | Buffer) => packageCase('manifest.json', name, code, webextXpi(manifest));
  const good = JSON.parse(webextManifest({ id: 'attacker@example.org', version: '1.0' })) as Record<string, unknown>;
  const json = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  return [
    c('not JSON', 'WEBEXT_INVALID', '{ this is not json'),
    c('an array', 'WEBEXT_INVALID', '[]'),
    c('a string', 'WEBEXT_INVALID', '"manifest"'),
    c('manifest_version 1', 'WEBEXT_INVALID', json({ manifest_version: 1 })),
    c('manifest_version "2"', 'WEBEXT_INVALID', json({ manifest_version: '2' })),
    c('version missing', 'WEBEXT_INVALID', json({ version: undefined })),
    c('version a number', 'WEBEXT_INVALID', json({ version: 1 })),
    c('version "../1"', 'ADDON_VERSION_INVALID', json({ version: '../1' })),
    c('version "1.0/../../x"', 'ADDON_VERSION_INVALID', json({ version: '1.0/../../x' })),
    c('gecko id not a string', 'WEBEXT_INVALID', json({ browser_specific_settings: { gecko: { id: ['a@b.c'] } } })),
    c('gecko not an object', 'WEBEXT_INVALID', json({ browser_specific_settings: { gecko: 'a@b.c' } })),
    c('no gecko id', 'WEBEXT_NO_GECKO_ID', json({ browser_specific_settings: undefined })),
    c('__proto__ carrying the gecko block', 'WEBEXT_NO_GECKO_ID', '{"manifest_version":2,"name":"x","version":"1.0","__proto__":{"browser_specific_settings":{"gecko":{"id":"a@b.c"}}}}'),
    c('strict_min_version with a path', 'ADDON_VERSION_INVALID', json({ browser_specific_settings: { gecko: { id: 'a@b.c', strict_min_version: '../60' } } })),
    // JSON.parse does not recurse, so this parses; what matters is that nothing falls over.
    c('nested 200 000 deep', 'WEBEXT_NO_GECKO_ID', `{"manifest_version":2,"name":"x","version":"1.0","deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`),
    c('invalid UTF-8', 'WEBEXT_INVALID', Buffer.concat([Buffer.from('{"manifest_version":2,"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","version":"1.0"}')])),
    c('two byte-order marks', 'WEBEXT_INVALID', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(json({}))])),
    c('UTF-16', 'WEBEXT_INVALID', Buffer.from(json({}), 'utf16le')),
    c('comment inside a value line', 'WEBEXT_INVALID', json({}).replace('{', '{ /* c */ ')),
    packageCase('manifest.json', 'larger than 1 MiB', 'ZIP_ENTRY_TOO_LARGE', () => buildXpi({ 'manifest.json': json({ padding: 'x'.repeat(1024 * 1024) }) }, { compress: false })),
    packageCase('manifest.json', 'neither manifest at the top level', 'XPI_NO_MANIFEST', () => buildXpi({ 'addon/manifest.json': json({}) })),
    packageCase('manifest.json', 'manifest.json as a directory entry', 'XPI_NO_MANIFEST', () => rawZip([{ name: 'manifest.json/', data: '' }])),
  ];
}
