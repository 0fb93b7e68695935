import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../../src/error-codes.ts';
import { OutpostError } from '../../src/errors.ts';
import { statusForCode } from '../../src/http/error-status.ts';

describe('the error code table', () => {
  it.each(Object.entries(ERROR_STATUS))('%s has a 4xx or 5xx status', (_code, status) => {
    expect(Number.isInteger(status) && status >= 400 && status <= 599).toBe(true);
  });

  // What the prefix-and-list mapping answered before the table existed, a few codes per domain.
  it.each<[ErrorCode, number]>([
    ['NOT_FOUND', 404], ['AUTH_REQUIRED', 401], ['UPLOAD_TOO_LARGE', 413], ['INTERNAL', 500],
    ['ADDON_OWNED_BY_OTHER_KEY', 403], ['VERSION_EXISTS', 409], ['UPDATE_KEY_MISMATCH', 422], ['JAMI_NOT_CONFIGURED', 422],
    ['ZIP_BOMB', 400], ['INSTALL_RDF_NO_ID', 400], ['MANIFESTS_DISAGREE', 400], ['XML_TOO_COMPLEX', 400],
    ['RDF_DOCTYPE_FORBIDDEN', 400], ['MANIFEST_HASH_INVALID', 400],
    ['KEY_FORMAT_UNKNOWN', 400], ['KEY_FILE_TOO_LARGE', 413], ['KEY_PASSWORD_WRONG', 400], ['KEY_EXISTS', 409],
    ['JPL_UNSIGNED_ENTRY', 400], ['JPL_CERT_REVOKED', 400], ['JPL_REVOCATION_UNAVAILABLE', 503], ['JPL_KEY_CHANGED', 409],
    ['CRX_PROOF_INVALID', 400], ['CRX_UPDATE_QUERY_TOO_LARGE', 400],
    ['VPN_RCC_TOO_LARGE', 413], ['VPN_INDEX_ROLLBACK', 400],
    ['TOKEN_NOT_FOUND', 404], ['ADMIN_EXISTS', 409], ['ADMIN_PASSWORD_TOO_SHORT', 400], ['LOCK_TIMEOUT', 500],
  ])('%s still answers %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });

  // Operator mistakes are logged with their code; the uploader gets a 500, never a 400 to "fix".
  it.each<ErrorCode>([
    'JPL_TRUST_ANCHOR_INVALID', 'JPL_CRL_INVALID', 'RDF_UNWRITABLE', 'KEY_STORE_CORRUPT', 'KEY_PASSPHRASE_WRONG',
    'KEY_PASSPHRASE_REQUIRED', 'KEY_PASSPHRASE_MISSING', 'KEY_PASSPHRASE_FILE_MISSING', 'TOKEN_STORE_CORRUPT', 'CONFIG_INVALID',
  ])("%s is the operator's: 500", (code) => {
    expect(statusForCode(code)).toBe(500);
  });

  it.each(['NOT_A_CODE', 'ENOENT', '', 'toString', 'constructor', '__proto__'])('answers 500 for %j, which is not a code', (code) => {
    expect(statusForCode(code)).toBe(500);
  });

  it('refuses a code without a status at compile time', () => {
    // @ts-expect-error 'NOT_A_CODE' is not in ERROR_STATUS (npm test runs tsc over test/ first)
    const err = new OutpostError('NOT_A_CODE', 'x');
    // @ts-expect-error a domain union may only hold codes from the table
    class TypoError extends OutpostError<'VERSION_EXIST'> {}
    expect(statusForCode(err.code)).toBe(500);
    expect(TypoError.name).toBe('TypoError');
  });
});
