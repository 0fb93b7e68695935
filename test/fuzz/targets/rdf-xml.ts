import { parseRdfXmlDocument } from '../../../src/rdf/rdf-xml-parser.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * RDF/XML → graph, as install.rdf and update.rdf are read. Both input forms are fuzzed: a Buffer
 * is decoded by the parser itself, a string arrives already decoded (the CLI path); a base URL
 * makes relative about/resource values go through URL resolution too.
 */
export async function fuzz(data: Buffer): Promise<void> {
  await expectOnlyOutpostErrors(() => parseRdfXmlDocument(data));
  await expectOnlyOutpostErrors(() =>
    parseRdfXmlDocument(data.toString('latin1'), { baseUrl: 'https://updates.example.org/updates/a%40b/update.rdf' }),
  );
}
