import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateChain, type ChainOptions } from '../../../src/jami/cert-chain.ts';
import { isIssuedBy, parseCertificate, type JamiCertificate } from '../../../src/jami/certificate.ts';
import { inspectJpl } from '../../../src/jami/jpl-inspect.ts';
import { verifyJpl } from '../../../src/jami/jpl-verify.ts';
import { CERTIFICATES } from '../../../src/limits.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { buildJpl } from '../../helpers/jami-jpl.ts';
import { jamiPki, type JamiTestPki, type TestCa, type TestCert } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');

/** Path building with its signature check counted: the tests bound work by this count, never by time. */
function counting(extra: Omit<ChainOptions, 'checkSignature'> = {}): { options: ChainOptions; checks: () => number } {
  let checks = 0;
  const checkSignature = (cert: JamiCertificate, issuer: JamiCertificate): boolean => {
    checks++;
    return isIssuedBy(cert, issuer);
  };
  return { options: { ...extra, checkSignature }, checks: () => checks };
}

/**
 * The reported attack: a self-made key and many self-signed certificates with one name, so that
 * every one of them verifies as the issuer of every other. Following each path through them (as
 * path building once did) took 4 s for 9 certificates and 13 s for 10.
 */
describe.skipIf(!hasOpenssl)('certificate path limits', () => {
  let pki: JamiTestPki;
  let loop: TestCa[];
  let leaf: TestCert;
  const certs = (...list: TestCert[]): JamiCertificate[] => list.map((c) => parseCertificate(c.der));
  const now = (): Date => new Date();

  beforeAll(async () => {
    pki = await jamiPki();
    const loopKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    loop = Array.from({ length: 20 }, () => pki.makeCa({ subject: '/CN=Loop CA', keyPem: loopKey }));
    leaf = pki.issue(loop[0]!, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
  });

  it('refuses 10 same-name CAs that all sign each other after at most one check per pair', async () => {
    const chain = certs(leaf, ...loop.slice(0, 10));
    const anchors = certs(pki.root);
    const { options, checks } = counting();
    expect(await errorCode(() => validateChain(chain, anchors, now(), options))).toBe('JPL_CERT_UNTRUSTED');
    expect(checks()).toBeGreaterThanOrEqual(10);
    expect(checks()).toBeLessThanOrEqual(chain.length * (chain.length + anchors.length));
  });

  it('finds the one certificate of such a loop that leads to the anchor', () => {
    const loopKey = loop[0]!.keyPem;
    const bridge = pki.makeCa({ parent: pki.root, subject: '/CN=Loop CA', keyPem: loopKey });
    const chain = certs(leaf, ...loop.slice(0, 9), bridge);
    const { options, checks } = counting();
    const result = validateChain(chain, certs(pki.root), now(), options);
    expect(result.path.map((c) => c.der)).toEqual([leaf.der, bridge.der, pki.root.der]);
    expect(checks()).toBeLessThanOrEqual(chain.length * (chain.length + 1));
  });

  it('refuses 20 certificates before checking any signature', async () => {
    const { options, checks } = counting();
    expect(await errorCode(() => validateChain(certs(leaf, ...loop.slice(0, 19)), certs(pki.root), now(), options))).toBe('JPL_CERT_TOO_MANY');
    expect(checks()).toBe(0);
  });

  it('stops at the budget of signature checks', async () => {
    const chain = certs(leaf, ...loop.slice(0, 15));
    const tight = counting({ limits: { ...CERTIFICATES, maxSignatureChecks: 8 } });
    expect(await errorCode(() => validateChain(chain, certs(pki.root), now(), tight.options))).toBe('JPL_CERT_CHAIN_TOO_COMPLEX');
    expect(tight.checks()).toBe(8);
    const normal = counting();
    expect(await errorCode(() => validateChain(chain, certs(pki.root), now(), normal.options))).toBe('JPL_CERT_UNTRUSTED');
    expect(normal.checks()).toBeLessThanOrEqual(CERTIFICATES.maxSignatureChecks);
  });

  it(`follows paths of up to ${CERTIFICATES.maxPathLength} certificates, anchor included`, async () => {
    const cas: TestCa[] = [pki.root];
    for (let i = 1; i <= CERTIFICATES.maxPathLength - 1; i++) cas.push(pki.makeCa({ parent: cas[i - 1]!, subject: `/CN=Level ${i}`, key: 'ec-p256' }));
    const issuers = cas.slice(1).reverse();
    const longest = pki.issue(issuers[1]!, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(validateChain(certs(longest, ...issuers.slice(1)), certs(pki.root), now()).path).toHaveLength(CERTIFICATES.maxPathLength);
    const tooLong = pki.issue(issuers[0]!, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    expect(await errorCode(() => validateChain(certs(tooLong, ...issuers), certs(pki.root), now()))).toBe('JPL_CERT_CHAIN_TOO_COMPLEX');
  });

  it('refuses a plugin whose .crt holds too many certificates or bytes, while reading it', async () => {
    const crowded = pki.chain(leaf, ...loop.slice(0, CERTIFICATES.maxCertificatesPerFile));
    expect(await errorCode(inspectJpl(await buildJpl({ signWith: { keyPem: pki.plugin.keyPem, chainPem: crowded } })))).toBe('JPL_CERT_TOO_MANY');
    const padded = pki.chain(pki.plugin, pki.org) + ' '.repeat(CERTIFICATES.maxFileBytes);
    expect(await errorCode(inspectJpl(await buildJpl({ signWith: { keyPem: pki.plugin.keyPem, chainPem: padded } })))).toBe('JPL_CERT_TOO_MANY');
  });

  it('verifies a signed plugin carrying the loop in its .crt with a bounded number of checks', async () => {
    const crt = pki.chain(leaf, ...loop.slice(0, 10));
    const pkg = await inspectJpl(await buildJpl({ signWith: { keyPem: pki.plugin.keyPem, chainPem: crt } }));
    const { options, checks } = counting();
    expect(await errorCode(verifyJpl(pkg, { trustAnchors: [pki.root.pem], now: now(), chain: options }))).toBe('JPL_CERT_UNTRUSTED');
    expect(checks()).toBeLessThanOrEqual(11 * 12);
  });
});
