import { PackageError } from './package-errors.ts';
import { rewriteZipEntry } from './rewrite-zip.ts';
import { decodeXmlText, encodeXmlText } from './xml-text.ts';
import type { ZipLimits } from './zip-reader.ts';

/**
 * Writes a new XPI in which only install.rdf has changed (see rewriteZipEntry for what the other
 * entries keep). install.rdf is edited as text; its encoding and byte-order mark are kept.
 */
export function rewriteXpiInstallRdf(
  xpi: Buffer,
  transform: (installRdf: string) => string,
  limits?: Partial<ZipLimits>,
): Promise<Buffer> {
  return rewriteZipEntry(xpi, {
    name: 'install.rdf',
    missing: () => new PackageError('XPI_NO_INSTALL_RDF', 'This XPI has no install.rdf, so there is nothing to add an update key to.'),
    transform: (data) => {
      const decoded = decodeXmlText(data);
      return encodeXmlText({ text: transform(decoded.text), bom: decoded.bom });
    },
    limits,
  });
}
