import { readFileSync } from 'node:fs';
import { validateChain } from '../../../src/jami/cert-chain.ts';
import { parseCertificates, type JamiCertificate } from '../../../src/jami/certificate.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * A plugin's `<id>.crt` (PEM chain, or one DER certificate) and path building from it to a trust
 * anchor. The anchor is the root the corpus chains were issued under (make-corpus.ts), so seeds
 * reach the date and CA checks; `now` is fixed inside the seeds' validity, so results do not
 * change with the calendar.
 */
const ANCHORS = parseCertificates(readFileSync(new URL('../fixtures/trust-anchor.pem', import.meta.url)));
const NOW = new Date('2030-06-01T00:00:00Z');

export async function fuzz(data: Buffer): Promise<void> {
  let chain: JamiCertificate[] = [];
  await expectOnlyOutpostErrors(() => {
    chain = parseCertificates(data);
  });
  if (chain.length > 0) await expectOnlyOutpostErrors(() => validateChain(chain, ANCHORS, NOW));
  // The same file as operator configuration: the certificates found become the anchors.
  if (chain.length > 0) await expectOnlyOutpostErrors(() => validateChain(chain, chain, NOW));
}
