/** ZIP structure, bombs, encryption flags and ambiguity: archives two readers could read differently. */
import { crc32 } from '../../../src/package/crc32.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../../helpers/build-xpi.ts';
import { deflatedZeros, rawZip, type RawEntry } from '../../helpers/raw-zip.ts';
import { packageCase, type HostileCase } from './hostile-case.ts';

const RDF = installRdf({ id: 'attacker@example.org', version: '1.0', name: 'Attacker', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] });
const manifest: RawEntry = { name: 'install.rdf', data: RDF, method: 8 };

/** An Info-ZIP Unicode Path extra field (0x7075) naming `unicodeName` for an entry called `headerName`. */
export function unicodePathExtra(unicodeName: string, headerName: string, version = 1): Buffer {
  const body = Buffer.concat([Buffer.from([version]), Buffer.alloc(4), Buffer.from(unicodeName, 'utf8')]);
  body.writeUInt32LE(crc32(Buffer.from(headerName, 'utf8')), 1);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(0x7075, 0);
  head.writeUInt16LE(body.length, 2);
  return Buffer.concat([head, body]);
}

/** Entry names that would land outside the folder an archive is extracted to, or are no names at all. */
export const UNSAFE_NAMES = ['../evil.js', 'chrome/../../evil.js', '/etc/passwd', 'C:/windows/evil.js', 'c:evil.js', 'chrome\\..\\evil.js', 'a\u0000b.js', '..', '', 'a/../../b'];

/** A local header disagreeing with the central directory, one field at a time, for entries of `method`. */
export function localHeaderMismatches(method: number): [string, Partial<RawEntry>][] {
  return [
    ['name', { localName: 'other.js' }],
    ['method', { localMethod: method === 8 ? 0 : 8 }],
    ['encryption flag', { localFlags: 1 }],
    ['checksum', { localCrc32: 42 }],
    ['compressed size', { localCompressedSize: 1 }],
  ];
}

const zip = (name: string, code: string, entries: RawEntry[], options = {}): HostileCase =>
  packageCase('zip', name, code, () => rawZip(entries, options));

export async function zipCases(): Promise<HostileCase[]> {
  const bombKernel = await deflatedZeros(50 * 1024 * 1024);
  const cases: HostileCase[] = [
    packageCase('zip', 'not a ZIP at all', 'ZIP_INVALID', () => Buffer.from('this is not an archive')),
    packageCase('zip', 'empty file', 'ZIP_INVALID', () => Buffer.alloc(0)),
    packageCase('zip', 'an end record and nothing else', 'XPI_NO_MANIFEST', () => rawZip([])),
    packageCase('zip', 'truncated archive', 'ZIP_INVALID', async () => (await buildXpi({ 'install.rdf': RDF })).subarray(0, 60)),
    packageCase('zip', 'random bytes with a PK header', 'ZIP_INVALID', () => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 0x41)])),
    zip('end record claims 65535 entries', 'ZIP_TOO_MANY_ENTRIES', [manifest], { entryCount: 65535 }),
    zip('end record claims 2 entries for 1', 'ZIP_INVALID', [manifest], { entryCount: 2 }),
    zip('multi-disk archive', 'ZIP_UNSUPPORTED', [manifest], { diskNumber: 1 }),
    zip('central directory offset past the end', 'ZIP_INVALID', [manifest], { centralDirectoryOffset: 1 << 30 }),
    zip('entry declaring 600 MiB', 'ZIP_BOMB', [manifest, { name: 'big.bin', method: 8, data: 'x', uncompressedSize: 600 * 1024 * 1024 }]),
    zip('50 MiB of zeros deflated 1000:1', 'ZIP_BOMB', [manifest, { name: 'zeros.bin', method: 8, payload: bombKernel, uncompressedSize: 50 * 1024 * 1024, crc32: 0 }]),
    zip('overlapping entries (non-recursive bomb)', 'ZIP_BOMB', [manifest, { name: 'a.js', data: 'a'.repeat(2000), omitLocal: true, localHeaderOffset: 0 }]),
    zip('manifest with a CRC mismatch', 'ZIP_INVALID', [{ ...manifest, crc32: 1234 }]),
    zip('manifest declaring fewer bytes than it holds', 'ZIP_BOMB', [{ ...manifest, uncompressedSize: 10 }]),
    zip('manifest data is not deflate', 'INSTALL_RDF_INVALID', [{ name: 'install.rdf', method: 8, payload: Buffer.from([3, 0]), uncompressedSize: 0 }]),
    zip('deflate garbage in the manifest', 'ZIP_INVALID', [{ name: 'install.rdf', method: 8, payload: Buffer.from([0xff, 0xff, 0xff, 0xff]), uncompressedSize: 4 }]),
    zip('duplicate manifest entries', 'ZIP_DUPLICATE_ENTRY', [manifest, { name: 'install.rdf', data: RDF.replace('1.0', '2.0') }]),
    zip('duplicate non-manifest entries', 'ZIP_DUPLICATE_ENTRY', [manifest, { name: 'a.js', data: '1' }, { name: 'a.js', data: '2' }]),
    zip('names differing only in case', 'ZIP_NAME_CASE_CONFLICT', [manifest, { name: 'chrome/a.js', data: '1' }, { name: 'chrome/A.js', data: '2' }]),
    zip('manifest and a case twin', 'ZIP_NAME_CASE_CONFLICT', [manifest, { name: 'Install.rdf', data: RDF.replace('1.0', '2.0') }]),
    zip('NFC and NFD spellings of one name', 'ZIP_NAME_CASE_CONFLICT', [manifest, { name: 'caf\u00e9.js', data: '1' }, { name: 'cafe\u0301.js', data: '2' }]),
    zip('Unicode Path field naming the manifest', 'ZIP_UNICODE_PATH_MISMATCH', [manifest, { name: 'notes.txt', data: RDF, extra: unicodePathExtra('install.rdf', 'notes.txt') }]),
    zip('Unicode Path field with a stale header CRC', 'ZIP_UNICODE_PATH_MISMATCH', [manifest, { name: 'a.js', data: '1', extra: unicodePathExtra('a.js', 'other.js') }]),
    zip('Unicode Path field of an unknown version', 'ZIP_UNICODE_PATH_MISMATCH', [manifest, { name: 'a.js', data: '1', extra: unicodePathExtra('a.js', 'a.js', 2) }]),
    zip('Unicode Path field only in the local header', 'ZIP_UNICODE_PATH_MISMATCH', [manifest, { name: 'a.js', data: '1', localExtra: unicodePathExtra('b.js', 'a.js') }]),
    zip('name of 1025 bytes', 'ZIP_NAME_TOO_LONG', [manifest, { name: `${'d/'.repeat(500)}${'x'.repeat(25)}`, data: '1' }]),
    zip('path segment of 256 bytes', 'ZIP_NAME_TOO_LONG', [manifest, { name: `${'x'.repeat(256)}.js`, data: '1' }]),
    zip('name marked UTF-8 that is not', 'ZIP_INVALID', [manifest, { name: Buffer.from([0x61, 0xff, 0xfe]), flags: 0x0800, data: '1' }]),
  ];
  for (const name of UNSAFE_NAMES) cases.push(zip(`unsafe entry name ${JSON.stringify(name)}`, 'ZIP_UNSAFE_PATH', [manifest, { name, data: '1' }]));
  for (const method of [1, 6, 9, 12, 14, 93, 95, 98, 99]) {
    cases.push(zip(`compression method ${method} on a non-manifest entry`, 'ZIP_UNSUPPORTED', [manifest, { name: 'a.js', data: '1', method }]));
  }
  for (const flag of [0x0001, 0x0040, 0x0041]) {
    cases.push(zip(`encryption flag 0x${flag.toString(16)} on the manifest`, 'ZIP_ENCRYPTED', [{ ...manifest, flags: flag }]));
    cases.push(zip(`encryption flag 0x${flag.toString(16)} on another entry`, 'ZIP_ENCRYPTED', [manifest, { name: 'a.js', data: 'content', method: 8, flags: flag }]));
  }
  for (const [what, fields] of localHeaderMismatches(0)) {
    cases.push(zip(`local header disagrees on ${what} (non-manifest entry)`, 'ZIP_HEADER_MISMATCH', [manifest, { name: 'a.js', data: 'content', ...fields }]));
    cases.push(zip(`local header disagrees on ${what} (manifest)`, 'ZIP_HEADER_MISMATCH', [{ name: 'install.rdf', data: RDF, ...fields }]));
  }
  return cases;
}
