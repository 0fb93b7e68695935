import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectJpl, type JplPackage } from '../../src/jami/jpl-inspect.ts';
import { verifyJpl, type JplVerifyOptions } from '../../src/jami/jpl-verify.ts';
import { revocationFetchers } from '../../src/storage/revocation-fetch.ts';
import { buildJpl, signerFor } from '../helpers/jami-jpl.ts';
import { errorCode } from '../helpers/jami-expect.ts';
import { freePort, startOcspResponder, type OcspResponder } from '../helpers/jami-ocsp.ts';
import { jamiPki, type JamiTestPki, type TestCa } from '../helpers/jami-pki.ts';
import { requireTool } from '../helpers/system-tools.ts';

/**
 * Revocation end to end: plugin certificates name a real `openssl ocsp` responder on 127.0.0.1,
 * and verifyJpl asks it over HTTP through the real fetchers of src/storage/revocation-fetch.ts.
 */
const hasOpenssl = requireTool('openssl');

describe.skipIf(!hasOpenssl)('Jami plugin revocation through a real OCSP responder', () => {
  let pki: JamiTestPki;
  let ca: TestCa;
  let responder: OcspResponder | undefined;
  let url: string;
  let good: JplPackage;
  let revoked: JplPackage;

  const options = (extra: Partial<JplVerifyOptions> = {}): JplVerifyOptions => ({
    trustAnchors: [pki.root.pem],
    now: new Date(),
    ...revocationFetchers({ timeoutMs: 3000 }),
    ...extra,
  });

  beforeAll(async () => {
    pki = await jamiPki();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    ca = pki.makeCa({ parent: pki.root, subject: '/O=Example/CN=Example OCSP Org' });
    const signer = pki.issue(ca, { subject: '/CN=Example OCSP Org Responder', profile: 'ocsp' });
    const goodCert = pki.issue(ca, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, ocspUrl: url });
    const revokedCert = pki.issue(ca, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, ocspUrl: url });
    pki.revoke(ca, revokedCert);
    good = await inspectJpl(await buildJpl({ signWith: signerFor(pki, goodCert, ca) }));
    revoked = await inspectJpl(await buildJpl({ signWith: signerFor(pki, revokedCert, ca) }));
    responder = await startOcspResponder(ca, signer, port, { ndays: 1 });
  });

  afterAll(async () => {
    await responder?.stop();
  });

  it('accepts a certificate the responder says is good', async () => {
    const result = await verifyJpl(good, options());
    expect(result.author).toBe('Example OCSP Org');
    expect(result.revocation[0]).toEqual({ certificate: 'CN=TestPlugin', status: 'good', checkedBy: [`OCSP ${url}`] });
    expect(result.warnings).toEqual([]);
  });

  it('refuses a certificate the responder says is revoked, whatever the unreachable policy', async () => {
    expect(await errorCode(verifyJpl(revoked, options()))).toBe('JPL_CERT_REVOKED');
    expect(await errorCode(verifyJpl(revoked, options({ ocspUnreachable: 'accept-with-warning' })))).toBe('JPL_CERT_REVOKED');
  });

  it('with the responder stopped: refuses under "reject", warns under "accept-with-warning"', async () => {
    await responder!.stop();
    responder = undefined;
    expect(await errorCode(verifyJpl(good, options()))).toBe('JPL_REVOCATION_UNAVAILABLE');
    expect(await errorCode(verifyJpl(good, options({ ocspUnreachable: 'reject' })))).toBe('JPL_REVOCATION_UNAVAILABLE');
    const accepted = await verifyJpl(good, options({ ocspUnreachable: 'accept-with-warning' }));
    expect(accepted.revocation[0]!.status).toBe('unavailable');
    expect(accepted.warnings).toHaveLength(1);
    expect(accepted.warnings[0]).toContain(url);
  });
});
