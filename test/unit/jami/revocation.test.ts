import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrustAnchors, validateChain, type ValidatedChain } from '../../../src/jami/cert-chain.ts';
import { parseCertificate } from '../../../src/jami/certificate.ts';
import { checkCrl, parseCrl } from '../../../src/jami/crl.ts';
import { buildOcspRequest } from '../../../src/jami/ocsp.ts';
import { checkRevocation, type RevocationOptions } from '../../../src/jami/revocation.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { opensslOcspAnswer } from '../../helpers/jami-ocsp.ts';
import { jamiPki, type JamiTestPki, type TestCa, type TestCert } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');
const DAY = 24 * 60 * 60 * 1000;
const CRL_URL = 'http://crl.test/org.crl';
const OCSP_URL = 'http://ocsp.test/';

const toPem = (der: Buffer, label: string): Buffer =>
  Buffer.from(`-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`);

describe.skipIf(!hasOpenssl)('CRLs', () => {
  let pki: JamiTestPki;
  beforeAll(async () => {
    pki = await jamiPki();
  });

  it('parses an openssl CRL in DER and PEM', () => {
    for (const bytes of [pki.orgCrl, toPem(pki.orgCrl, 'X509 CRL')]) {
      const crl = parseCrl(bytes);
      expect(crl.issuerName).toEqual(parseCertificate(pki.org.der).subjectName);
      expect([...crl.revoked.keys()]).toEqual([pki.revoked.serial.toLowerCase()]);
      expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(30 * DAY);
    }
    expect(parseCrl(pki.crl(pki.root)).revoked.size).toBe(0);
  });

  it('says revoked, good, or stale, after checking the issuer signed it', async () => {
    const [org, plugin, revoked] = [pki.org, pki.plugin, pki.revoked].map((c) => parseCertificate(c.der));
    const crl = parseCrl(pki.orgCrl);
    expect(checkCrl(crl, revoked!, org!, new Date(), 'the CRL')).toMatchObject({ status: 'revoked' });
    expect(checkCrl(crl, plugin!, org!, new Date(), 'the CRL')).toEqual({ status: 'good' });
    expect(checkCrl(crl, plugin!, org!, new Date(Date.now() + 31 * DAY), 'the CRL')).toMatchObject({ status: 'stale' });
    expect(checkCrl(crl, revoked!, org!, new Date(Date.now() + 31 * DAY), 'the CRL')).toMatchObject({ status: 'revoked' });
    // A CA clock a minute ahead of ours is fresh; an hour ahead is not.
    const at = (ms: number) => new Date(crl.thisUpdate.getTime() + ms);
    expect(checkCrl(crl, plugin!, org!, at(-60_000), 'the CRL')).toEqual({ status: 'good' });
    expect(checkCrl(crl, plugin!, org!, at(-60 * 60_000), 'the CRL')).toMatchObject({ status: 'stale' });
    // Same issuer name, another key: a forged or misconfigured CRL is never "good".
    expect(await errorCode(() => checkCrl(parseCrl(pki.impostorCrl), plugin!, org!, new Date(), 'the CRL'))).toBe('JPL_CRL_INVALID');
    expect(await errorCode(() => checkCrl(parseCrl(pki.crl(pki.root)), plugin!, org!, new Date(), 'the CRL'))).toBe('JPL_CRL_INVALID');
  });

  it('refuses a CRL from a CA whose keyUsage does not allow cRLSign', async () => {
    const ca = pki.makeCa({ parent: pki.root, subject: '/CN=No CRL Org', profile: 'ca-no-crlsign' });
    const leaf = pki.issue(ca, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    const [issuer, cert] = [ca, leaf].map((c) => parseCertificate(c.der));
    expect(await errorCode(() => checkCrl(parseCrl(pki.crl(ca)), cert!, issuer!, new Date(), 'the CRL'))).toBe('JPL_CRL_INVALID');
  });

  it('refuses unreadable CRLs', async () => {
    for (const bad of [Buffer.from('junk'), pki.orgCrl.subarray(0, 50), Buffer.from('-----BEGIN X509 CRL-----\n@@\n-----END X509 CRL-----\n'), toPem(pki.orgCrl, 'CERTIFICATE')]) {
      expect(await errorCode(() => parseCrl(bad))).toBe('JPL_CRL_INVALID');
    }
  });
});

describe.skipIf(!hasOpenssl)('checkRevocation', () => {
  let pki: JamiTestPki;
  let ca: TestCa;
  let good: TestCert;
  let bad: TestCert;
  let caResponder: TestCert;
  let responderIssuedByOther: TestCert;

  const chainOf = (leaf: TestCert): ValidatedChain =>
    validateChain([parseCertificate(leaf.der), parseCertificate(ca.der)], parseTrustAnchors([pki.root.pem]), new Date());
  /** An OCSP fetcher that answers through `openssl ocsp` offline, recording what it was asked. */
  const ocspVia = (signer: TestCert, calls: string[] = []): RevocationOptions['checkOcsp'] =>
    async (cert, issuer, url) => {
      calls.push(`${parseCertificate(cert).subjectCN} by ${parseCertificate(issuer).subjectCN} at ${url}`);
      return opensslOcspAnswer(ca, signer, buildOcspRequest(parseCertificate(cert), parseCertificate(issuer)), { ndays: 1 });
    };
  const unreachable = async (): Promise<Buffer> => {
    throw new Error('connect ECONNREFUSED');
  };

  beforeAll(async () => {
    pki = await jamiPki();
    // A CA of its own, whose certificates name a CRL and an OCSP responder.
    ca = pki.makeCa({ parent: pki.root, subject: '/CN=Revoking Org' });
    const urls = { crlUrl: CRL_URL, ocspUrl: OCSP_URL, keyPem: pki.plugin.keyPem };
    good = pki.issue(ca, { subject: '/CN=Good Plugin', ...urls });
    bad = pki.issue(ca, { subject: '/CN=Revoked Plugin', ...urls });
    pki.revoke(ca, bad);
    caResponder = pki.issue(ca, { subject: '/CN=Revoking Org OCSP', profile: 'ocsp' });
    responderIssuedByOther = pki.issue(pki.org, { subject: '/CN=Revoking Org', profile: 'ocsp' });
  });

  it('leaves certificates unchecked when no source is configured or injected', async () => {
    const report = await checkRevocation(chainOf(bad), { now: new Date() });
    expect(report.certificates.map((c) => c.status)).toEqual(['unchecked', 'unchecked']);
  });

  it('uses configured CRLs for the issuer they belong to', async () => {
    const report = await checkRevocation(chainOf(good), { now: new Date(), crls: [pki.crl(ca), toPem(pki.crl(pki.root), 'X509 CRL'), pki.orgCrl] });
    expect(report.certificates).toEqual([
      { certificate: 'CN=Good Plugin', status: 'good', checkedBy: ['configured CRL'] },
      { certificate: 'CN=Revoking Org', status: 'good', checkedBy: ['configured CRL'] },
    ]);
    expect(await errorCode(checkRevocation(chainOf(bad), { now: new Date(), crls: [pki.crl(ca)] }))).toBe('JPL_CERT_REVOKED');
    expect(await errorCode(checkRevocation(chainOf(good), { now: new Date(), crls: [Buffer.from('junk')] }))).toBe('JPL_CRL_INVALID');
  });

  it('fetches the CRL a certificate names when none is configured', async () => {
    const asked: string[] = [];
    const fetchCrl = async (url: string): Promise<Buffer> => (asked.push(url), pki.crl(ca));
    const report = await checkRevocation(chainOf(good), { now: new Date(), fetchCrl });
    expect(report.certificates[0]).toEqual({ certificate: 'CN=Good Plugin', status: 'good', checkedBy: [`CRL ${CRL_URL}`] });
    expect(asked).toEqual([CRL_URL]);
    expect(await errorCode(checkRevocation(chainOf(bad), { now: new Date(), fetchCrl }))).toBe('JPL_CERT_REVOKED');
  });

  it('asks the OCSP responder a certificate names (a delegated responder, or the CA itself)', async () => {
    const calls: string[] = [];
    const report = await checkRevocation(chainOf(good), { now: new Date(), checkOcsp: ocspVia(caResponder, calls) });
    expect(report.certificates[0]).toEqual({ certificate: 'CN=Good Plugin', status: 'good', checkedBy: [`OCSP ${OCSP_URL}`] });
    expect(calls).toEqual([`Good Plugin by Revoking Org at ${OCSP_URL}`]);
    expect(await errorCode(checkRevocation(chainOf(bad), { now: new Date(), checkOcsp: ocspVia(ca) }))).toBe('JPL_CERT_REVOKED');
    expect((await checkRevocation(chainOf(good), { now: new Date(), checkOcsp: ocspVia(ca) })).certificates[0]!.status).toBe('good');
  });

  it('refuses when no source gives a trustworthy answer, unless told to accept with a warning', async () => {
    const cases: Partial<RevocationOptions>[] = [
      { checkOcsp: unreachable },
      { fetchCrl: unreachable },
      { checkOcsp: async () => Buffer.from('<html>proxy error</html>') },
      { checkOcsp: ocspVia(responderIssuedByOther) }, // a responder the issuer did not authorize
      { fetchCrl: async () => pki.impostorCrl }, // same issuer name, wrong key
      { crls: [pki.crl(ca, 1)], now: new Date(Date.now() + 2 * DAY) }, // out of date
    ];
    for (const extra of cases) {
      const options: RevocationOptions = { now: new Date(), ...extra };
      expect(await errorCode(checkRevocation(chainOf(good), options))).toBe('JPL_REVOCATION_UNAVAILABLE');
      expect(await errorCode(checkRevocation(chainOf(good), { ...options, ocspUnreachable: 'reject' }))).toBe('JPL_REVOCATION_UNAVAILABLE');
      const report = await checkRevocation(chainOf(good), { ...options, ocspUnreachable: 'accept-with-warning' });
      expect(report.certificates[0]!.status).toBe('unavailable');
      expect(report.warnings).toHaveLength(1);
    }
  });

  it('is satisfied by one good source when another is down, but never by a revoked answer', async () => {
    const report = await checkRevocation(chainOf(good), { now: new Date(), fetchCrl: async () => pki.crl(ca), checkOcsp: unreachable });
    expect(report.certificates[0]).toMatchObject({ status: 'good', checkedBy: [`CRL ${CRL_URL}`] });
    expect(report.warnings).toEqual([]);
    expect(await errorCode(checkRevocation(chainOf(bad), { now: new Date(), fetchCrl: unreachable, checkOcsp: ocspVia(ca), ocspUnreachable: 'accept-with-warning' }))).toBe('JPL_CERT_REVOKED');
  });
});
