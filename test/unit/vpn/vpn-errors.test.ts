import { describe, expect, it } from 'vitest';
import { statusForCode } from '../../../src/http/error-status.ts';
import type { VpnErrorCode } from '../../../src/vpn/vpn-errors.ts';

describe('VPN error codes over HTTP', () => {
  it('answers an oversized .rcc with 413, like any oversized upload', () => {
    expect(statusForCode('VPN_RCC_TOO_LARGE' satisfies VpnErrorCode)).toBe(413);
  });

  it.each<VpnErrorCode>([
    'VPN_RCC_INVALID',
    'VPN_RCC_UNSUPPORTED_VERSION',
    'VPN_RCC_TOO_COMPLEX',
    'VPN_RCC_ENTRY_TOO_LARGE',
    'VPN_MANIFEST_MISSING',
    'VPN_MANIFEST_INVALID',
    'VPN_ID_INVALID',
    'VPN_ID_MISMATCH',
    'VPN_INDEX_INVALID',
    'VPN_INDEX_SIGNATURE_INVALID',
    'VPN_INDEX_EXPIRED',
    'VPN_INDEX_ROLLBACK',
    'VPN_KEY_TOO_SMALL',
    'VPN_KEY_UNSUPPORTED',
  ])('answers %s with 400: the uploader can fix it', (code) => {
    expect(statusForCode(code)).toBe(400);
  });
});
