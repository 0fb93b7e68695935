import { parseChromiumManifest } from '../../../src/crx/chromium-manifest.ts';
import { readCrx3 } from '../../../src/crx/crx3-read.ts';
import { parseGupdateQuery } from '../../../src/crx/gupdate-request.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * Chromium: a CRX3 upload (preamble, protobuf header, every proof verified over the bytes), an
 * extension's manifest.json, and an update check's query string (`x=id%3D…%26v%3D…`, what every
 * browser sends to /chromium/updates.xml). The same bytes go to all three.
 */
export async function fuzz(data: Buffer): Promise<void> {
  await expectOnlyOutpostErrors(() => readCrx3(data));
  await expectOnlyOutpostErrors(() => parseChromiumManifest(data));
  await expectOnlyOutpostErrors(() => parseGupdateQuery(data.toString('latin1')));
}
