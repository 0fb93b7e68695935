import { describe, expect, it } from 'vitest';
import { extensionIdFromCrxId, extensionIdOf, isExtensionId } from '../../../src/crx/extension-id.ts';

/** Vectors from Chromium's components/crx_file/id_util_unittest.cc. */
const CHROMIUM_TEST_SPKI = Buffer.from(
  '30819f300d06092a864886f70d010101050003818d0030818902818100b87f2b20dc7c9b0cdc5161990d360fd46688085584d53abf2ba464857b0c04133f8df4bc380d49fe6bc45ab040533ad766090f9e367430da8a314f1f1450d7c7209417de4eb9575e7e0ae5b2657a894eb647ff1cbdb73813af4785843233f31749bfe996d0d6146f138dc5fc2c72baacea7e185356a683a2ce9393e71f0fe60f0203010001',
  'hex',
);

describe('extension ids', () => {
  it.each([
    [CHROMIUM_TEST_SPKI, 'melddjfinppjdikinhbgehiennejpfhp'],
    [Buffer.from('test'), 'jpignaibiiemhngfjkcpokkamffknabf'],
    [Buffer.from('_'), 'ncocknphbhhlhkikpnnlmbcnbgdempcd'],
    [Buffer.from('this_string_is_longer_than_a_single_sha256_hash_digest'), 'jimneklojkjdibfkgiiophfhjhbdgcfi'],
  ])('matches Chromium\'s GenerateId vector %#', (input, id) => {
    expect(extensionIdOf(input)).toBe(id);
    expect(isExtensionId(id)).toBe(true);
  });

  it('maps nibbles to a-p', () => {
    expect(extensionIdFromCrxId(Buffer.from('00112233445566778899aabbccddeeff', 'hex'))).toBe('aabbccddeeffgghhiijjkkllmmnnoopp');
    expect(() => extensionIdFromCrxId(Buffer.alloc(15))).toThrow(RangeError);
  });

  it.each(['', 'a'.repeat(31), 'a'.repeat(33), 'q'.repeat(32), 'A'.repeat(32), `${'a'.repeat(31)}\n`])('refuses %j as an id', (id) => {
    expect(isExtensionId(id)).toBe(false);
  });
});
