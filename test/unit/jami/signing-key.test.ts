import { createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectJpl, type JplPackage } from '../../../src/jami/jpl-inspect.ts';
import { requireSameSigningKey, sameSigningKey, signingKeyOf } from '../../../src/jami/signing-key.ts';
import { buildJpl, signerFor } from '../../helpers/jami-jpl.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { jamiPki, type JamiTestPki } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');

describe.skipIf(!hasOpenssl)('sameSigningKey', () => {
  let pki: JamiTestPki;
  let v1: JplPackage;
  let renewed: JplPackage;
  let rekeyed: JplPackage;

  beforeAll(async () => {
    pki = await jamiPki();
    v1 = await inspectJpl(await buildJpl({ version: '1.0.0', signWith: signerFor(pki, pki.plugin, pki.org) }));
    // A new certificate (new serial and dates) for the same key is not a key change.
    const renewal = pki.issue(pki.org, { subject: '/CN=TestPlugin', keyPem: pki.plugin.keyPem });
    renewed = await inspectJpl(await buildJpl({ version: '1.0.1', signWith: signerFor(pki, renewal, pki.org) }));
    rekeyed = await inspectJpl(await buildJpl({ version: '1.0.1', signWith: signerFor(pki, pki.otherKey, pki.org) }));
  });

  it('accepts a renewed certificate for the same key and detects a new key', async () => {
    expect(renewed.certificates[0]!.serial).not.toEqual(v1.certificates[0]!.serial);
    expect(sameSigningKey(v1, renewed)).toBe(true);
    expect(sameSigningKey(v1, rekeyed)).toBe(false);
    expect(() => requireSameSigningKey(v1, renewed)).not.toThrow();
    expect(await errorCode(() => requireSameSigningKey(v1, rekeyed))).toBe('JPL_KEY_CHANGED');
  });

  it('compares with a stored SubjectPublicKeyInfo, whatever its encoding source', async () => {
    const stored = createPublicKey(pki.plugin.keyPem).export({ type: 'spki', format: 'der' });
    expect(sameSigningKey(stored, renewed)).toBe(true);
    expect(sameSigningKey(stored, rekeyed)).toBe(false);
    expect(signingKeyOf(v1)).toEqual(stored);
    expect(await errorCode(() => requireSameSigningKey(stored, rekeyed))).toBe('JPL_KEY_CHANGED');
    expect(await errorCode(() => sameSigningKey(Buffer.from('not a key'), v1))).toBe('JPL_CERT_INVALID');
  });

  it('cannot compare a package without a certificate', async () => {
    const unsigned = await inspectJpl(await buildJpl());
    expect(await errorCode(() => sameSigningKey(v1, unsigned))).toBe('JPL_NO_CERTIFICATE');
  });
});
