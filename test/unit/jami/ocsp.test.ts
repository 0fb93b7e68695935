import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, type JamiCertificate } from '../../../src/jami/certificate.ts';
import { buildOcspRequest, ocspCertId, parseOcspResponse } from '../../../src/jami/ocsp.ts';
import { checkOcspResponse } from '../../../src/jami/ocsp-verify.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { opensslOcspAnswer, opensslOcspRequest, opensslRequestText, type OcspAnswerOptions } from '../../helpers/jami-ocsp.ts';
import { jamiPki, type JamiTestPki, type TestCa, type TestCert } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');
const HOUR = 60 * 60 * 1000;

/** When `cert` was revoked, from `ca`'s openssl index.txt (`R <expiry> <YYMMDDHHMMSSZ>,<reason> <serial> …`). */
function revocationTime(ca: TestCa, cert: TestCert): Date {
  const line = readFileSync(path.join(ca.dir, 'index.txt'), 'utf8').split('\n').find((l) => l.startsWith('R\t') && l.split('\t')[3] === cert.serial);
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z/.exec(line?.split('\t')[2] ?? '');
  if (!m) throw new Error(`${cert.serial} is not revoked in ${ca.dir}/index.txt`);
  return new Date(Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

describe.skipIf(!hasOpenssl)('OCSP against openssl ocsp', () => {
  let pki: JamiTestPki;
  let org: JamiCertificate;
  const cert = (c: TestCert): JamiCertificate => parseCertificate(c.der);
  /** openssl's answer about `c` to the request Outpost builds. */
  const answer = (c: TestCert, signer: TestCert = pki.ocspResponder, o: OcspAnswerOptions = { ndays: 1 }): Buffer =>
    opensslOcspAnswer(pki.org, signer, buildOcspRequest(cert(c), org), o);

  beforeAll(async () => {
    pki = await jamiPki();
    org = cert(pki.org);
  });

  describe('buildOcspRequest', () => {
    it('writes the same bytes as openssl ocsp -no_nonce (SHA-1 and SHA-256 CertIDs)', () => {
      expect(buildOcspRequest(cert(pki.plugin), org)).toEqual(opensslOcspRequest(pki.org, pki.plugin, pki.dir));
      expect(buildOcspRequest(cert(pki.plugin), org, { hash: 'sha256' })).toEqual(opensslOcspRequest(pki.org, pki.plugin, pki.dir, ['-no_nonce', '-sha256']));
    });

    it('carries a nonce that openssl reads back', () => {
      const nonce = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
      const text = opensslRequestText(buildOcspRequest(cert(pki.plugin), org, { nonce }), pki.dir);
      expect(text.replace(/[\s:]/g, '').toUpperCase()).toContain(`0410${nonce.toString('hex').toUpperCase()}`);
      expect(text).toContain(`Serial Number: ${pki.plugin.serial}`);
    });

    it('hashes the issuer name as encoded and the issuer key bits without the pad octet', () => {
      const id = ocspCertId(cert(pki.plugin), org);
      const spki = org.spki;
      // The key BIT STRING is the last element of the SPKI; its value starts after the pad octet.
      expect(id.issuerKeyHash).toEqual(createHash('sha1').update(org.publicKeyBits).digest());
      expect(spki.subarray(spki.length - org.publicKeyBits.length)).toEqual(org.publicKeyBits);
      expect(id.issuerNameHash).toEqual(createHash('sha1').update(org.subjectName).digest());
      expect(id.serial.toString('hex').toUpperCase()).toBe(pki.plugin.serial);
    });
  });

  describe('parseOcspResponse', () => {
    it('reads a good answer from a delegated responder', () => {
      const before = Math.floor(Date.now() / 1000) * 1000;
      const response = parseOcspResponse(answer(pki.plugin));
      const after = Date.now();
      expect(response.status).toBe('successful');
      const basic = response.basic!;
      expect(basic.responderId).toEqual({ byName: cert(pki.ocspResponder).subjectName });
      expect(basic.certs.map((c) => c.subjectCN)).toEqual(['Example Org OCSP Responder']);
      expect(basic.responses).toHaveLength(1);
      const single = basic.responses[0]!;
      expect(single.status).toBe('good');
      expect(single.certId).toEqual(ocspCertId(cert(pki.plugin), org));
      expect(single.nextUpdate!.getTime() - single.thisUpdate.getTime()).toBe(24 * HOUR);
      // openssl stamps the answer when it makes it: between the two readings of the clock.
      expect(single.thisUpdate.getTime()).toBeGreaterThanOrEqual(before);
      expect(single.thisUpdate.getTime()).toBeLessThanOrEqual(after);
    });

    it('reads a revoked answer with its reason, and an unknown one for a certificate the CA never issued', () => {
      const revoked = parseOcspResponse(answer(pki.revoked)).basic!.responses[0]!;
      expect(revoked.status).toBe('revoked');
      expect(revoked.revocationReason).toBe(1); // keyCompromise
      // The revocation time is the CA database's (the test PKI is made once and reused), never "now".
      expect(revoked.revokedAt).toEqual(revocationTime(pki.org, pki.revoked));
      const stranger = parseOcspResponse(answer(pki.wrongIssuer)).basic!.responses[0]!;
      expect(stranger.status).toBe('unknown');
    });

    it('reads a responder named by key hash, without certificates and without nextUpdate', () => {
      const basic = parseOcspResponse(answer(pki.plugin, pki.org, { byKeyId: true, noCerts: true })).basic!;
      expect(basic.responderId).toEqual({ byKeyHash: createHash('sha1').update(org.publicKeyBits).digest() });
      expect(basic.certs).toEqual([]);
      expect(basic.responses[0]!.nextUpdate).toBeUndefined();
    });

    it('reads unsuccessful statuses and refuses garbage', async () => {
      expect(parseOcspResponse(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]))).toEqual({ status: 'tryLater' });
      expect(parseOcspResponse(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x06]))).toEqual({ status: 'unauthorized' });
      for (const bad of [Buffer.from('<html>'), Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x04]), Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x00]), answer(pki.plugin).subarray(0, 100)]) {
        expect(await errorCode(() => parseOcspResponse(bad))).toBe('JPL_OCSP_INVALID');
      }
    });
  });

  describe('checkOcspResponse', () => {
    const check = (der: Buffer, c: TestCert = pki.plugin, now = new Date(), expectedNonce?: Buffer) =>
      checkOcspResponse(der, cert(c), org, now, expectedNonce ? { expectedNonce } : {});

    it('believes the issuer itself and its delegated responder', () => {
      expect(check(answer(pki.plugin)).status).toBe('good');
      expect(check(answer(pki.plugin, pki.org)).status).toBe('good');
      expect(check(answer(pki.plugin, pki.org, { byKeyId: true, noCerts: true })).status).toBe('good');
      expect(check(answer(pki.revoked), pki.revoked)).toMatchObject({ status: 'revoked', revocationReason: 1 });
      expect(check(answer(pki.wrongIssuer), pki.wrongIssuer)).toEqual({ status: 'unknown' });
    });

    it('checks the nonce when the request carried one', async () => {
      const nonce = Buffer.from('a1b2c3d4e5f6a7b8', 'hex');
      const der = opensslOcspAnswer(pki.org, pki.ocspResponder, buildOcspRequest(cert(pki.plugin), org, { nonce }), { ndays: 1 });
      expect(check(der, pki.plugin, new Date(), nonce).status).toBe('good');
      expect(await errorCode(() => check(der, pki.plugin, new Date(), Buffer.from('ffff', 'hex')))).toBe('JPL_OCSP_INVALID');
      expect(await errorCode(() => check(answer(pki.plugin), pki.plugin, new Date(), nonce))).toBe('JPL_OCSP_INVALID');
    });

    it.each<[string, (pki: JamiTestPki) => { der: Buffer; about?: TestCert; now?: Date }]>([
      ['signed by a certificate without OCSPSigning', (p) => ({ der: opensslOcspAnswer(p.org, p.plugin, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }) })],
      ['signed by a responder another CA issued', (p) => ({ der: opensslOcspAnswer(p.org, p.impostor, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }) })],
      ['signed by an OCSP responder certificate another CA issued', (p) => {
        const rogue = p.issue(p.root, { subject: '/CN=Rogue Responder', profile: 'ocsp' });
        return { der: opensslOcspAnswer(p.org, rogue, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }) };
      }],
      ['signed by an expired responder certificate', (p) => {
        const old = p.issue(p.org, { subject: '/CN=Old Responder', profile: 'ocsp', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
        return { der: opensslOcspAnswer(p.org, old, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }) };
      }],
      ['about another certificate', (p) => ({ der: opensslOcspAnswer(p.org, p.ocspResponder, buildOcspRequest(parseCertificate(p.otherKey.der), parseCertificate(p.org.der)), { ndays: 1 }) })],
      ['past its nextUpdate', (p) => ({ der: opensslOcspAnswer(p.org, p.ocspResponder, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }), now: new Date(Date.now() + 2 * 24 * HOUR) })],
      ['dated in the future', (p) => ({ der: opensslOcspAnswer(p.org, p.ocspResponder, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }), now: new Date(Date.now() - HOUR) })],
      ['without nextUpdate and more than a day old', (p) => ({ der: opensslOcspAnswer(p.org, p.ocspResponder, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der))), now: new Date(Date.now() + 25 * HOUR) })],
      ['with a damaged signature', (p) => {
        const der = Buffer.from(opensslOcspAnswer(p.org, p.ocspResponder, buildOcspRequest(parseCertificate(p.plugin.der), parseCertificate(p.org.der)), { ndays: 1 }));
        // Flip the last byte of the signature itself, so no other check can be what fails.
        const signature = parseOcspResponse(der).basic!.signature;
        const last = der.indexOf(signature) + signature.length - 1;
        der[last] = der[last]! ^ 0x01;
        return { der };
      }],
      ['unsuccessful (tryLater)', () => ({ der: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]) })],
    ])('refuses an answer %s', async (_, make) => {
      const { der, about, now } = make(pki);
      expect(await errorCode(() => check(der, about ?? pki.plugin, now ?? new Date()))).toBe('JPL_OCSP_INVALID');
    });
  });
});
