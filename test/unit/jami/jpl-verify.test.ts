import { beforeAll, describe, expect, it } from 'vitest';
import { inspectJpl } from '../../../src/jami/jpl-inspect.ts';
import { verifyJpl, verifyJplSignatures, type JplVerifyOptions } from '../../../src/jami/jpl-verify.ts';
import { brokenJpls, buildJpl, signerFor, type BrokenJpl } from '../../helpers/jami-jpl.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { jamiPki, type JamiTestPki } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');
const YEAR = 365 * 24 * 60 * 60 * 1000;

describe.skipIf(!hasOpenssl)('verifyJpl', () => {
  let pki: JamiTestPki;
  let broken: Record<string, BrokenJpl>;
  const options = (extra: Partial<JplVerifyOptions> = {}): JplVerifyOptions => ({ trustAnchors: [pki.root.pem], now: new Date(), ...extra });
  const good = (): Promise<Buffer> => buildJpl({ signWith: signerFor(pki, pki.plugin, pki.org), abis: ['x86_64-linux-gnu', 'arm64-v8a'] });

  beforeAll(async () => {
    pki = await jamiPki();
    broken = await brokenJpls(pki);
  });

  it('accepts a well-signed package and reports the issuer CN as author', async () => {
    const pkg = await inspectJpl(await good());
    const result = await verifyJpl(pkg, options());
    expect(result).toMatchObject({ id: 'TestPlugin', version: '1.0.0', author: 'Example Org', subject: 'TestPlugin', warnings: [] });
    expect(result.signingKey).toEqual(pkg.certificates[0]!.spki);
    expect(result.chain.map((c) => c.subject)).toEqual(['CN=TestPlugin', 'O=Example, CN=Example Org', 'CN=Test Jami Extension Root C.A.']);
    expect(result.chain[0]!.serial.toUpperCase()).toBe(pki.plugin.serial);
    expect(result.revocation).toEqual([
      { certificate: 'CN=TestPlugin', status: 'unchecked', checkedBy: [] },
      { certificate: 'CN=Example Org', status: 'unchecked', checkedBy: [] },
    ]);
    expect(pkg.abis).toEqual(['arm64-v8a', 'x86_64-linux-gnu']);
    expect(pkg.platform).toBe('desktop');
    expect(pkg.icon?.contentType).toBe('image/svg+xml');
    expect(verifyJplSignatures(pkg).subjectCN).toBe('TestPlugin');
  });

  it('verifies directory entries signed over empty content, and packages for several ABIs', async () => {
    const bytes = await buildJpl({ signWith: signerFor(pki, pki.plugin, pki.org), directories: ['data/', 'lib/', 'lib/armeabi-v7a/'], abis: ['armeabi-v7a'] });
    const pkg = await inspectJpl(bytes);
    expect(pkg.platform).toBe('android');
    expect((await verifyJpl(pkg, options())).author).toBe('Example Org');
  });

  it('gives every broken variant its own code', async () => {
    const codes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [name, variant] of Object.entries(broken)) {
      expected[name] = variant.code;
      codes[name] = await errorCode(async () => verifyJpl(await inspectJpl(variant.bytes), options()));
    }
    expect(codes).toEqual(expected);
    expect(Object.keys(codes).length).toBeGreaterThanOrEqual(16);
  });

  it('reports signature problems before certificate problems, as the daemon checks them first', async () => {
    const bytes = await buildJpl({ signWith: signerFor(pki, pki.wrongIssuer, pki.impostor), tamper: { 'manifest.json': '{"name":"TestPlugin","version":"2"}' } });
    expect(await errorCode(async () => verifyJpl(await inspectJpl(bytes), options()))).toBe('JPL_SIGNATURE_INVALID');
  });

  it('judges validity at options.now, never the clock', async () => {
    const pkg = await inspectJpl(await good());
    expect(await errorCode(verifyJpl(pkg, options({ now: new Date(Date.now() + 6 * YEAR) })))).toBe('JPL_CERT_EXPIRED');
    expect(await errorCode(verifyJpl(pkg, options({ now: new Date(Date.now() - YEAR) })))).toBe('JPL_CERT_NOT_YET_VALID');
    // A chain that was valid in 2023 verifies at a 2023 `now` (the anchor's dates count too).
    const oldCa = pki.makeCa({ parent: pki.root, subject: '/CN=Old Org', notBefore: new Date('2019-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
    const oldLeaf = pki.issue(oldCa, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2024-01-01T00:00:00Z') });
    const old = await inspectJpl(await buildJpl({ signWith: signerFor(pki, oldLeaf, oldCa) }));
    const then = new Date('2023-06-01T00:00:00Z');
    expect((await verifyJpl(old, options({ now: then, trustAnchors: [oldCa.pem] }))).author).toBe('Old Org');
    expect(await errorCode(verifyJpl(old, options({ trustAnchors: [oldCa.pem] })))).toBe('JPL_CERT_EXPIRED');
    expect(await errorCode(verifyJpl(old, options({ now: new Date('2019-06-01T00:00:00Z'), trustAnchors: [oldCa.pem] })))).toBe('JPL_CERT_NOT_YET_VALID');
    // Through the root, whose own validity starts today, 2023 is too early.
    expect(await errorCode(verifyJpl(old, options({ now: then })))).toBe('JPL_CERT_NOT_YET_VALID');
  });

  it('trusts any configured anchor: the org CA itself, a multi-certificate PEM file, the root included in the file', async () => {
    const pkg = await inspectJpl(await good());
    expect((await verifyJpl(pkg, options({ trustAnchors: [pki.org.pem] }))).chain).toHaveLength(2);
    expect((await verifyJpl(pkg, options({ trustAnchors: [pki.impostor.pem + pki.root.pem] }))).chain).toHaveLength(3);
    expect((await verifyJpl(pkg, options({ trustAnchors: [pki.impostor.pem, pki.root.der] }))).chain).toHaveLength(3);
    const withRoot = await inspectJpl(await buildJpl({ signWith: signerFor(pki, pki.plugin, pki.org, pki.root) }));
    expect((await verifyJpl(withRoot, options())).chain).toHaveLength(3);
    expect(await errorCode(verifyJpl(pkg, options({ trustAnchors: [pki.impostor.pem] })))).toBe('JPL_CERT_UNTRUSTED');
  });

  it('refuses a missing or unreadable trust anchor', async () => {
    const pkg = await inspectJpl(await good());
    expect(await errorCode(verifyJpl(pkg, options({ trustAnchors: [] })))).toBe('JPL_TRUST_ANCHOR_INVALID');
    expect(await errorCode(verifyJpl(pkg, options({ trustAnchors: ['no certificate here'] })))).toBe('JPL_TRUST_ANCHOR_INVALID');
    expect(await errorCode(verifyJpl(pkg, options({ trustAnchors: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] })))).toBe('JPL_TRUST_ANCHOR_INVALID');
  });

  it('refuses a revoked plugin certificate listed in a configured CRL', async () => {
    const pkg = await inspectJpl(await buildJpl({ signWith: signerFor(pki, pki.revoked, pki.org) }));
    expect(await verifyJpl(pkg, options())).toMatchObject({ subject: 'TestPlugin Revoked' });
    expect(await errorCode(verifyJpl(pkg, options({ crls: [pki.orgCrl] })))).toBe('JPL_CERT_REVOKED');
    const ok = await verifyJpl(await inspectJpl(await good()), options({ crls: [pki.orgCrl] }));
    expect(ok.revocation[0]).toEqual({ certificate: 'CN=TestPlugin', status: 'good', checkedBy: ['configured CRL'] });
  });

  it('refuses a certificate with a critical extension it does not understand', async () => {
    const odd = pki.issue(pki.org, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem, profile: 'leaf-unknown-critical' });
    expect(await errorCode(async () => inspectJpl(await buildJpl({ signWith: signerFor(pki, odd, pki.org) })))).toBe('JPL_CERT_INVALID');
  });
});
