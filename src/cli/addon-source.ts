import { inspectXpi } from '../package/inspect-xpi.ts';
import { parseInstallRdf } from '../package/install-rdf.ts';

/** ZIP local-file-header magic: an XPI is a ZIP whatever its file name says. */
export function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

/** id and updateKey from an install.rdf or an XPI (its install.rdf or manifest.json). */
export async function addonIdentity(bytes: Buffer): Promise<{ id: string; updateKey?: string }> {
  if (isZip(bytes)) {
    const info = await inspectXpi(bytes);
    return { id: info.id, updateKey: info.updateKey };
  }
  const manifest = parseInstallRdf(bytes);
  return { id: manifest.id, updateKey: manifest.updateKey };
}
