/**
 * The ZIP inside a properly signed CRX3 gets the XPI's ambiguity and bomb checks (README, Security),
 * and a plain ZIP sent to be packed (kind=chromium or a .zip name) must really be an extension.
 */
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../../helpers/build-xpi.ts';
import { extensionManifest } from '../../helpers/crx-build.ts';
import { deflatedZeros, rawZip, type RawEntry } from '../../helpers/raw-zip.ts';
import { crxCase, extensionZip, signed } from './crx-common.ts';
import type { HostileCase } from './hostile-case.ts';
import { localHeaderMismatches, unicodePathExtra, UNSAFE_NAMES } from './zip-cases.ts';

const MANIFEST = JSON.stringify(extensionManifest({ name: 'Attacker', version: '3.0' }));
const manifest: RawEntry = { name: 'manifest.json', data: MANIFEST, method: 8 };
const script: RawEntry = { name: 'background.js', data: 'console.log(1);\n', method: 8 };

/** `entries` as the ZIP of a CRX3 whose every proof verifies. */
const inCrx = (name: string, code: string, entries: RawEntry[], options = {}): HostileCase =>
  crxCase('crx zip', name, code, signed(rawZip(entries, options)));

/** Adds `by` to every offset in a ZIP without a comment, as `zip -A` does for a prefixed archive. */
function shiftOffsets(zip: Buffer, by: number): Buffer {
  const out = Buffer.from(zip);
  const end = out.length - 22;
  let at = out.readUInt32LE(end + 16);
  for (let i = 0; i < out.readUInt16LE(end + 10); i++) {
    out.writeUInt32LE(out.readUInt32LE(at + 42) + by, at + 42);
    at += 46 + out.readUInt16LE(at + 28) + out.readUInt16LE(at + 30) + out.readUInt16LE(at + 32);
  }
  out.writeUInt32LE(out.readUInt32LE(end + 16) + by, end + 16);
  return out;
}

/** Uploads a plain ZIP asking for it to be packed. */
const toPack = (name: string, code: string, bytes: Buffer, fileName = 'upload.bin'): HostileCase =>
  crxCase('crx zip', `packing: ${name}`, code, bytes, { fileName, fields: { kind: 'chromium' } });

export async function crxZipCases(): Promise<HostileCase[]> {
  const bombKernel = await deflatedZeros(50 * 1024 * 1024);
  const zip = await extensionZip({ version: '3.0' });
  const zipOffset = signed(zip).length - zip.length;
  const xpi = await buildXpi({ 'install.rdf': installRdf({ id: 'attacker@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });
  const jamiManifest = JSON.stringify({ id: 'TestPlugin', name: 'P', version: '1.0.0', description: 'd' });
  const jpl = rawZip([{ name: 'manifest.json', data: jamiManifest }, { name: 'lib/x86_64-linux-gnu/libTestPlugin.so', data: 'ELF' }]);
  const tampered = signed(zip);
  tampered[tampered.length - 30]! ^= 1;

  const cases: HostileCase[] = [
    inCrx('duplicate manifest.json entries', 'ZIP_DUPLICATE_ENTRY', [manifest, { ...manifest, data: MANIFEST.replace('3.0', '4.0') }]),
    inCrx('duplicate script entries', 'ZIP_DUPLICATE_ENTRY', [manifest, script, { ...script, data: 'evil();' }]),
    inCrx('manifest.json and a Manifest.json twin', 'ZIP_NAME_CASE_CONFLICT', [manifest, { ...manifest, name: 'Manifest.json' }]),
    inCrx('NFC and NFD spellings of one name', 'ZIP_NAME_CASE_CONFLICT', [manifest, { name: 'caf\u00e9.js', data: '1' }, { name: 'cafe\u0301.js', data: '2' }]),
    inCrx('a Unicode Path field naming manifest.json', 'ZIP_UNICODE_PATH_MISMATCH', [manifest, { name: 'notes.txt', data: MANIFEST, extra: unicodePathExtra('manifest.json', 'notes.txt') }]),
    inCrx('../manifest.json and no other', 'ZIP_UNSAFE_PATH', [{ ...manifest, name: '../manifest.json' }]),
    inCrx('50 MiB of zeros deflated 1000:1', 'ZIP_BOMB', [manifest, { name: 'zeros.bin', method: 8, payload: bombKernel, uncompressedSize: 50 * 1024 * 1024, crc32: 0 }]),
    inCrx('an entry declaring 600 MiB', 'ZIP_BOMB', [manifest, { name: 'big.bin', method: 8, data: 'x', uncompressedSize: 600 * 1024 * 1024 }]),
    inCrx('overlapping entries', 'ZIP_BOMB', [manifest, { name: 'a.js', data: 'a'.repeat(2000), omitLocal: true, localHeaderOffset: 0 }]),
    inCrx('manifest.json declaring fewer bytes than it holds', 'ZIP_BOMB', [{ ...manifest, uncompressedSize: 10 }]),
    inCrx('manifest.json with a CRC mismatch', 'ZIP_INVALID', [{ ...manifest, crc32: 1234 }]),
    inCrx('an encrypted manifest.json', 'ZIP_ENCRYPTED', [{ ...manifest, flags: 0x0001 }]),
    inCrx('compression method 12 on a script', 'ZIP_UNSUPPORTED', [manifest, { ...script, method: 12 }]),
    inCrx('an end record claiming 65535 entries', 'ZIP_TOO_MANY_ENTRIES', [manifest], { entryCount: 65535 }),
    inCrx('an end record and nothing else', 'CRX_MANIFEST_INVALID', []),
    inCrx('no manifest.json', 'CRX_MANIFEST_INVALID', [script]),
    inCrx('manifest.json as a directory entry', 'CRX_MANIFEST_INVALID', [{ name: 'manifest.json/', data: '' }, script]),
    inCrx('manifest.json only in a subfolder', 'CRX_MANIFEST_INVALID', [{ ...manifest, name: 'extension/manifest.json' }]),
    inCrx('a Jami plugin inside', 'CRX_MANIFEST_INVALID', [{ name: 'manifest.json', data: jamiManifest }]),
    crxCase('crx zip', 'random bytes where the ZIP goes', 'ZIP_INVALID', signed(Buffer.alloc(4096, 0x41))),
    crxCase('crx zip', 'a ZIP cut off before its end record', 'ZIP_INVALID', signed(zip.subarray(0, zip.length - 10))),
    crxCase('crx zip', 'ZIP offsets counted from the start of the CRX (zip -A)', 'ZIP_INVALID', signed(shiftOffsets(zip, zipOffset))),
    crxCase('crx zip', 'an XPI inside', 'CRX_MANIFEST_INVALID', signed(xpi)),
    crxCase('crx zip', 'a whole CRX inside', 'ZIP_INVALID', signed(signed(zip))),
    // Chromium's minizip finds the last end record and adjusts for bytes before the archive; refuse both.
    crxCase('crx zip', 'two ZIPs glued together', 'ZIP_INVALID', signed(Buffer.concat([zip, rawZip([{ ...manifest, data: MANIFEST.replace('3.0', '5.0') }])]))),
    crxCase('crx zip', 'junk between the header and the ZIP', 'ZIP_INVALID', signed(Buffer.concat([Buffer.from('junk'), zip]))),
    inCrx('an end record hidden in the archive comment', 'ZIP_INVALID', [manifest], { comment: zip.subarray(zip.length - 22) }),
    inCrx('manifest.json as a symlink to /etc/passwd', 'CRX_MANIFEST_INVALID', [{ name: 'manifest.json', data: '/etc/passwd', externalAttributes: (0o120777 << 16) >>> 0 }]),
  ];
  for (const name of [...UNSAFE_NAMES, 'sub/../../manifest.json']) {
    cases.push(inCrx(`unsafe entry name ${JSON.stringify(name)}`, 'ZIP_UNSAFE_PATH', [manifest, { name, data: '1' }]));
  }
  for (const [what, fields] of localHeaderMismatches(8)) {
    cases.push(inCrx(`local header disagrees on ${what} (script)`, 'ZIP_HEADER_MISMATCH', [manifest, { ...script, ...fields }]));
    cases.push(inCrx(`local header disagrees on ${what} (manifest.json)`, 'ZIP_HEADER_MISMATCH', [{ ...manifest, ...fields }]));
  }

  const firefoxOnly = await buildXpi({ 'manifest.json': webextManifest({ id: 'attacker@example.org', version: '1.0a1' }) });
  cases.push(
    toPack('an XPI with only install.rdf', 'CRX_MANIFEST_INVALID', xpi),
    toPack('an XPI with only install.rdf, named EXT.ZIP', 'CRX_MANIFEST_INVALID', xpi, 'EXT.ZIP'),
    toPack('a Firefox WebExtension with a Firefox-only version', 'CRX_MANIFEST_VERSION_INVALID', firefoxOnly),
    toPack('a Jami plugin', 'CRX_MANIFEST_INVALID', jpl),
    toPack('text', 'ZIP_INVALID', Buffer.from('this is not an archive')),
    toPack('an unsafe entry name', 'ZIP_UNSAFE_PATH', rawZip([manifest, { name: '../../evil.js', data: '1' }])),
    toPack('a ZIP bomb', 'ZIP_BOMB', rawZip([manifest, { name: 'zeros.bin', method: 8, payload: bombKernel, uncompressedSize: 50 * 1024 * 1024, crc32: 0 }])),
    toPack('a CRX with a changed ZIP byte (the content decides)', 'CRX_PROOF_INVALID', tampered),
    // Only the exact field value asks for packing; otherwise a browser ZIP is an XPI.
    crxCase('crx zip', 'packing: kind=Chromium', 'WEBEXT_NO_GECKO_ID', zip, { fileName: 'addon.xpi', fields: { kind: 'Chromium' } }),
  );
  return cases;
}
