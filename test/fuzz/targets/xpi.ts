import { inspectXpi } from '../../../src/package/inspect-xpi.ts';
import { parseInstallRdf } from '../../../src/package/install-rdf.ts';
import { parseWebExtManifest } from '../../../src/package/webext-manifest.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * Add-on inspection: the two manifest parsers on the raw bytes, inspectXpi on the bytes as an
 * archive, and inspectXpi on a well-formed archive holding the bytes as its manifest. A mutated
 * archive almost never passes the CRC check, so without that last call the manifest handling
 * inside inspectXpi (name localisation, warnings) would be reached only by the seeds.
 */
function asManifestEntry(data: Buffer): string {
  const first = data.toString('latin1').trimStart()[0];
  return first === '{' || first === '/' ? 'manifest.json' : 'install.rdf';
}

export async function fuzz(data: Buffer): Promise<void> {
  await expectOnlyOutpostErrors(() => parseInstallRdf(data));
  await expectOnlyOutpostErrors(() => parseWebExtManifest(data));
  await expectOnlyOutpostErrors(() => inspectXpi(data));
  const wrapped = rawZip([
    { name: asManifestEntry(data), data },
    // A name built from __MSG_name__ is resolved from this file.
    { name: '_locales/en/messages.json', data },
  ]);
  await expectOnlyOutpostErrors(() => inspectXpi(wrapped));
}
