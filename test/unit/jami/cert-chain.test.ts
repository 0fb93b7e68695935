import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrustAnchors, validateChain } from '../../../src/jami/cert-chain.ts';
import { parseCertificate, parseCertificates, type JamiCertificate } from '../../../src/jami/certificate.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { jamiPki, type JamiTestPki, type TestCert } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');

describe.skipIf(!hasOpenssl)('validateChain', () => {
  let pki: JamiTestPki;
  const certs = (...list: TestCert[]): JamiCertificate[] => list.map((c) => parseCertificate(c.der));
  const now = (): Date => new Date();

  beforeAll(async () => {
    pki = await jamiPki();
  });

  it('builds leaf → org → ECDSA P-256 root and reads the fields path validation needs', () => {
    const [leaf, org, root] = certs(pki.plugin, pki.org, pki.root);
    const chain = validateChain([leaf!, org!], [root!], now());
    expect(chain.path.map((c) => c.label)).toEqual(['CN=TestPlugin', 'CN=Example Org', 'CN=Test Jami Extension Root C.A.']);
    expect(chain.anchor.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(org).toMatchObject({ isCA: true, issuerCN: 'Test Jami Extension Root C.A.', subjectCN: 'Example Org' });
    expect([...org!.keyUsage!].sort()).toEqual(['cRLSign', 'keyCertSign']);
    expect(leaf).toMatchObject({ isCA: false, issuerCN: 'Example Org' });
    expect([...leaf!.keyUsage!]).toEqual(['digitalSignature']);
    expect(leaf!.serial.toString('hex').toUpperCase()).toBe(pki.plugin.serial);
  });

  it('verifies links signed by ECDSA P-384 and RSA issuers', () => {
    const p384 = pki.makeCa({ subject: '/CN=P-384 Root', key: 'ec-p384' });
    const org = pki.makeCa({ parent: p384, subject: '/CN=Org Under P-384' });
    const ecOrg = pki.makeCa({ parent: p384, subject: '/CN=EC Org', key: 'ec-p256' });
    const leaf = pki.issue(org, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    const ecLeaf = pki.issue(ecOrg, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(validateChain(certs(leaf, org), certs(p384), now()).path).toHaveLength(3);
    expect(validateChain(certs(ecLeaf, ecOrg), certs(p384), now()).path).toHaveLength(3);
  });

  it('finds the path whatever the order of the issuers in the file, ignoring unrelated certificates', () => {
    const chain = validateChain(certs(pki.plugin, pki.impostor, pki.ocspResponder, pki.org), certs(pki.root), now());
    expect(chain.path.map((c) => c.subjectCN)).toEqual(['TestPlugin', 'Example Org', 'Test Jami Extension Root C.A.']);
  });

  it('skips an issuer that has the right name but did not sign, when the real one is also present', () => {
    const chain = validateChain(certs(pki.plugin, pki.impostor, pki.org), certs(pki.root), now());
    expect(chain.path[1]!.der).toEqual(pki.org.der);
  });

  it('refuses a chain that reaches no anchor', async () => {
    expect(await errorCode(() => validateChain(certs(pki.plugin, pki.org), certs(pki.impostor), now()))).toBe('JPL_CERT_UNTRUSTED');
    expect(await errorCode(() => validateChain(certs(pki.wrongIssuer, pki.impostor, pki.org), certs(pki.root), now()))).toBe('JPL_CERT_UNTRUSTED');
    expect(await errorCode(() => validateChain([], certs(pki.root), now()))).toBe('JPL_NO_CERTIFICATE');
  });

  it('checks the dates of every certificate on the path, not only the leaf', async () => {
    const expiredCa = pki.makeCa({ parent: pki.root, subject: '/CN=Expired Org', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
    const leaf = pki.issue(expiredCa, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(await errorCode(() => validateChain(certs(leaf, expiredCa), certs(pki.root), now()))).toBe('JPL_CERT_EXPIRED');
  });

  it('enforces CA:TRUE, keyCertSign and pathLenConstraint on issuers', async () => {
    expect(await errorCode(() => validateChain(certs(pki.nonCaIssued, pki.nonCa), certs(pki.root), now()))).toBe('JPL_CERT_NOT_CA');
    expect(await errorCode(() => validateChain(certs(pki.noCertSignIssued, pki.noCertSign), certs(pki.root), now()))).toBe('JPL_CERT_NOT_CA');
    const limited = pki.makeCa({ parent: pki.root, subject: '/CN=Path Zero Org', profile: 'ca-pathlen0' });
    const direct = pki.issue(limited, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(validateChain(certs(direct, limited), certs(pki.root), now()).path).toHaveLength(3);
    const sub = pki.makeCa({ parent: limited, subject: '/CN=Sub Org' });
    const deep = pki.issue(sub, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(await errorCode(() => validateChain(certs(deep, sub, limited), certs(pki.root), now()))).toBe('JPL_CERT_NOT_CA');
  });

  it('stops at an anchor that appears in the file, and accepts a leaf that is itself an anchor', () => {
    expect(validateChain(certs(pki.plugin, pki.org, pki.root), certs(pki.root), now()).path).toHaveLength(3);
    expect(validateChain(certs(pki.plugin), certs(pki.plugin), now()).path).toHaveLength(1);
  });
});

describe.skipIf(!hasOpenssl)('reading certificates and anchors', () => {
  let pki: JamiTestPki;
  beforeAll(async () => {
    pki = await jamiPki();
  });

  it('reads PEM files with several certificates, and DER', () => {
    expect(parseCertificates(pki.chain(pki.plugin, pki.org)).map((c) => c.subjectCN)).toEqual(['TestPlugin', 'Example Org']);
    expect(parseCertificates(pki.root.der).map((c) => c.subjectCN)).toEqual(['Test Jami Extension Root C.A.']);
    expect(parseCertificates('')).toEqual([]);
    expect(parseTrustAnchors([pki.root.pem, pki.org.pem + pki.impostor.pem])).toHaveLength(3);
  });

  it('reads the CRL and OCSP URLs a certificate names', () => {
    const withUrls = pki.issue(pki.org, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, crlUrl: 'http://crl.example/org.crl', ocspUrl: 'http://ocsp.example/' });
    const cert = parseCertificate(withUrls.der);
    expect(cert.crlUrls).toEqual(['http://crl.example/org.crl']);
    expect(cert.ocspUrls).toEqual(['http://ocsp.example/']);
    expect(parseCertificate(pki.ocspResponder.der).extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.9']);
  });

  it('refuses unreadable certificates with the code of their role', async () => {
    expect(await errorCode(() => parseCertificate(Buffer.from('junk')))).toBe('JPL_CERT_INVALID');
    expect(await errorCode(() => parseCertificates(pki.plugin.der.subarray(0, 200)))).toBe('JPL_CERT_INVALID');
    expect(await errorCode(() => parseTrustAnchors(['-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----']))).toBe('JPL_TRUST_ANCHOR_INVALID');
  });
});
