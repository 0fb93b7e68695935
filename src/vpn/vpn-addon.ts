import crypto from 'node:crypto';
import { RCC } from '../limits.ts';
import type { RccLimits } from './rcc-inflate.ts';
import { readRcc, type RccFile } from './rcc-read.ts';
import { neverMetWarnings, type NeverMet } from './vpn-conditions.ts';
import { VpnError } from './vpn-errors.ts';
import { findVpnManifest, parseVpnManifest, type VpnManifest } from './vpn-manifest.ts';

/**
 * A whole VPN add-on upload: the resource read, its manifest found and parsed, the scripts it names
 * present, and the warnings a publisher should see. The index entry's sha256 is of these exact
 * bytes (the client hashes the downloaded file before loading it).
 */

export interface VpnAddon {
  readonly manifest: VpnManifest;
  readonly files: readonly RccFile[];
  readonly warnings: readonly NeverMet[];
  /** Lowercase hex SHA-256 of the .rcc bytes: the add-on's entry in the index. */
  readonly sha256: string;
}

export interface InspectOptions {
  /** The name the add-on is published under (`<id>.rcc`); the manifest id must match it. */
  readonly fileName?: string;
  /** For the ENDED warning. */
  readonly now?: Date;
  readonly limits?: RccLimits;
  /** zstd entries' content decoded by the caller, by path (see zstdFramesOf). */
  readonly zstd?: ReadonlyMap<string, Buffer>;
}

/**
 * Scripts are resolved against manifest.json's folder (QDir::filePath). A missing enable/disable
 * script makes the client drop the add-on; a missing condition script silently drops the condition.
 */
function checkScript(files: readonly RccFile[], script: string | undefined, where: string): void {
  if (script === undefined) return;
  if (script.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new VpnError('VPN_MANIFEST_INVALID', `manifest.json "${where}" must be a relative path inside the add-on, not "${script}".`);
  }
  if (!files.some((file) => file.path === script)) {
    throw new VpnError('VPN_MANIFEST_INVALID', `manifest.json "${where}" names "${script}", which the add-on does not contain.`);
  }
}

export function inspectVpnAddon(rcc: Buffer, options: InspectOptions = {}): VpnAddon {
  const { files } = readRcc(rcc, options.limits ?? RCC, options.zstd);
  const manifest = parseVpnManifest(findVpnManifest(files).bytes, { fileName: options.fileName });
  checkScript(files, manifest.conditions.javascript, 'conditions.javascript');
  checkScript(files, manifest.javascript?.enable, 'javascript.enable');
  checkScript(files, manifest.javascript?.disable, 'javascript.disable');
  return {
    manifest,
    files,
    warnings: neverMetWarnings(manifest.conditions, { now: options.now }),
    sha256: crypto.createHash('sha256').update(rcc).digest('hex'),
  };
}
