import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importProofKey } from '../../../src/crx/crx-keys.ts';
import { readCrx3 } from '../../../src/crx/crx3-read.ts';
import { buildExtensionZip, crx3SignedMessage, rsaSpkiWithModulusBits, unitExponentCrx } from '../../helpers/crx-build.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

/** A 2048-bit RSA SPKI with public exponent `e` (big-endian, as DER writes it). */
function spkiWithExponent(e: bigint): Buffer {
  const hex = e.toString(16);
  return rsaSpkiWithModulusBits(2048, Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

describe('importProofKey', () => {
  it('takes the exponents Chromium takes: odd, from 3 to 2^33 - 1', () => {
    for (const e of [3n, 65537n, (1n << 33n) - 1n]) {
      expect(importProofKey(spkiWithExponent(e), 'sha256_with_rsa', 'a proof').asymmetricKeyDetails?.publicExponent).toBe(e);
    }
  });

  it('refuses the exponents BoringSSL refuses: 1, even, or of more than 33 bits', () => {
    for (const e of [1n, 2n, 65536n, 1n << 33n, (1n << 40n) + 1n]) {
      expect(crxCodeOfSync(() => importProofKey(spkiWithExponent(e), 'sha256_with_rsa', 'a proof')), `e = ${e}`).toBe('CRX_KEY_UNSUPPORTED');
    }
  });

  it('so a package "signed" with e = 1, where the padded hash is the signature, is refused', async () => {
    const zip = await buildExtensionZip();
    const { crx, spki, signedHeaderData, signature } = unitExponentCrx(zip);
    // OpenSSL verifies this "signature": before the exponent check, the package read as valid.
    const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(crypto.verify('sha256', crx3SignedMessage(signedHeaderData, zip), { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)).toBe(true);
    expect(crxCodeOfSync(() => readCrx3(crx))).toBe('CRX_KEY_UNSUPPORTED');
  });
});
