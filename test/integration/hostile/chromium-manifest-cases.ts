/**
 * manifest.json of a Chromium extension, inside a CRX3 whose proofs all verify: what Chromium's
 * packer refuses (or reads differently) must be refused here too, with a CRX_MANIFEST_* code.
 */
import { extensionManifest, rsaKey, spkiOf } from '../../helpers/crx-build.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { crxCase, signed, victimKey } from './crx-common.ts';
import type { HostileCase } from './hostile-case.ts';

const base = extensionManifest({ name: 'Attacker', version: '4.0' });
const json = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });

/** A signed CRX whose manifest.json holds exactly `text` (deflated unless `stored`). */
const withManifest = (text: string | Buffer, stored = false) =>
  signed(rawZip([{ name: 'manifest.json', data: text, method: stored ? 0 : 8 }, { name: 'background.js', data: '1', method: 8 }]));

const c = (name: string, code: string, text: string | Buffer, stored = false): HostileCase =>
  crxCase('chromium manifest', name, code, withManifest(text, stored));

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function chromiumManifestCases(): HostileCase[] {
  const otherKey = spkiOf(rsaKey('hostile-other')).toString('base64');
  const pem = `-----BEGIN PUBLIC KEY-----\n${otherKey.replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
  const nested = (levels: number) => json({ deep: '@' }).replace('"@"', `${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`);
  const cases: HostileCase[] = [
    c('not JSON', 'CRX_MANIFEST_INVALID', '{ this is not json'),
    c('empty', 'CRX_MANIFEST_INVALID', ''),
    c('an array', 'CRX_MANIFEST_INVALID', '[]'),
    c('a string', 'CRX_MANIFEST_INVALID', '"manifest"'),
    c('null', 'CRX_MANIFEST_INVALID', 'null'),
    c('invalid UTF-8', 'CRX_MANIFEST_INVALID', Buffer.concat([Buffer.from('{"manifest_version":3,"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","version":"1.0"}')])),
    c('two byte-order marks', 'CRX_MANIFEST_INVALID', Buffer.concat([BOM, BOM, Buffer.from(json({}))])),
    c('UTF-16 with its byte-order mark', 'CRX_MANIFEST_INVALID', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json({}), 'utf16le')])),
    // One mark is read past (as Chromium does), so the version is what fails.
    c('one byte-order mark, then a bad version', 'CRX_MANIFEST_VERSION_INVALID', Buffer.concat([BOM, Buffer.from(json({ version: '01.0' }))])),
    c('a trailing comma', 'CRX_MANIFEST_INVALID', json({}).replace(/}$/, ',}')),
    c('a block comment', 'CRX_MANIFEST_INVALID', json({}).replace('{', '{ /* c */ ')),
    c('a raw NUL between members', 'CRX_MANIFEST_INVALID', json({}).replace(',', ',\u0000')),
    c('nested 200 deep (Chromium\'s JSON reader stops there)', 'CRX_MANIFEST_INVALID', nested(200)),
    c('nested 200 000 deep', 'CRX_MANIFEST_INVALID', nested(200_000)),
    c('larger than 1 MiB, stored', 'ZIP_ENTRY_TOO_LARGE', json({ description: 'x'.repeat(1024 * 1024) }), true),
    c('larger than 1 MiB, deflated 1000:1', 'ZIP_BOMB', json({ description: 'x'.repeat(1024 * 1024) })),
    c('"version" twice, the last one bad', 'CRX_MANIFEST_VERSION_INVALID', json({}).replace(/}$/, ',"version":"1.2.3.4.5"}')),
    c('"__proto__" holding the version', 'CRX_MANIFEST_VERSION_INVALID', `{"manifest_version":3,"name":"x","__proto__":{"version":"1.0"}}`),
  ];
  const versions = [
    '1.2.3.4.5', '01.0', '1.01', '1.00', '65536', '1.65536', '4294967296', '99999999999999999999', '-1', '+1', '1..0', '.1', '1.',
    '', ' 1.0', '1.0 ', '1e3', '0x10', '1.0a', '1,0', '\uff11.\uff10', '1.0\u0000', '1.0.0.0.0.0.0.0.0.0',
  ];
  for (const version of versions) cases.push(c(`version ${JSON.stringify(version)}`, 'CRX_MANIFEST_VERSION_INVALID', json({ version })));
  for (const version of [1, null, ['1.0'], { major: 1 }, undefined]) {
    cases.push(c(`version ${JSON.stringify(version) ?? 'missing'}`, 'CRX_MANIFEST_VERSION_INVALID', json({ version })));
  }
  // Each value of each member, alone in an otherwise good manifest (undefined: the member is missing).
  const invalid: Record<string, unknown[]> = {
    manifest_version: [1, 4, '3', undefined],
    name: [undefined, '', '   ', 5],
    minimum_chrome_version: ['abc', '01', ''],
    version_name: [2],
    default_locale: [[]],
    key: ['!!!', '', 5],
    update_url: ['javascript:alert(1)', 'data:text/xml,<gupdate/>', 'file:///etc/passwd', 'ftp://example.org/u.xml', 'chrome://extensions', 'about:blank', 'not a url', '', 5],
  };
  for (const [member, values] of Object.entries(invalid)) {
    for (const value of values) cases.push(c(`${member} ${JSON.stringify(value) ?? 'missing'}`, 'CRX_MANIFEST_INVALID', json({ [member]: value })));
  }
  cases.push(
    c('"key" of another key', 'CRX_MANIFEST_KEY_MISMATCH', json({ key: otherKey })),
    c('"key" of the victim\'s key', 'CRX_MANIFEST_KEY_MISMATCH', json({ key: spkiOf(victimKey()).toString('base64') })),
    c('"key" of another key in PEM armor', 'CRX_MANIFEST_KEY_MISMATCH', json({ key: pem })),
    c('"key" that is base64 of no key', 'CRX_MANIFEST_KEY_MISMATCH', json({ key: Buffer.from('not a key at all').toString('base64') })),
  );
  return cases;
}
