import { RCC_SERVING } from '../limits.ts';
import { zstdFramesOf } from '../vpn/rcc-read.ts';
import { inspectVpnAddon, type InspectOptions, type VpnAddon } from '../vpn/vpn-addon.ts';
import { decodeZstdFrames, type BoundedZstdOptions } from './bounded-zstd.ts';

/**
 * How the server reads a VPN add-on: every check and limit first, then the zstd entries decoded in
 * a worker within a deadline, then the add-on inspected with that content. The file is parsed
 * twice; it is at most RCC.maxFileBytes and parsing is cheap next to decoding.
 */
export async function inspectVpnUpload(bytes: Buffer, options: Omit<InspectOptions, 'limits' | 'zstd'> & BoundedZstdOptions = {}): Promise<VpnAddon> {
  const zstd = await decodeZstdFrames(zstdFramesOf(bytes, RCC_SERVING), options);
  return inspectVpnAddon(bytes, { ...options, limits: RCC_SERVING, zstd });
}
