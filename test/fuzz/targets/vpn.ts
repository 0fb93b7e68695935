import { RCC_SERVING } from '../../../src/limits.ts';
import { inspectVpnAddon } from '../../../src/vpn/vpn-addon.ts';
import { parseVpnManifest } from '../../../src/vpn/vpn-manifest.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * A Mozilla VPN add-on upload: the Qt resource file (header, tree, names, zlib entries), its
 * manifest.json and conditions, read as the server reads uploads. zstd entries are refused here
 * (RCC_SERVING: the server decodes them in a worker with a deadline, which the property tests in
 * test/unit/vpn cover); everything before decoding is in reach. The same bytes also go straight
 * to the manifest parser, so JSON-shaped inputs reach the condition rules.
 */
export async function fuzz(data: Buffer): Promise<void> {
  await expectOnlyOutpostErrors(() => inspectVpnAddon(data, { fileName: 'message_demo.rcc', limits: RCC_SERVING, now: new Date('2030-06-01T00:00:00Z') }));
  await expectOnlyOutpostErrors(() => parseVpnManifest(data));
}
