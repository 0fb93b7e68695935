import { describe, expect, it } from 'vitest';
import { isValidAddonId, validateAddonVersion, validateAppVersion } from '../../../src/package/addon-identity.ts';
import { codeOf } from './expect-code.ts';

describe('add-on ids', () => {
  it.each([
    ['addon@example.org', true],
    ['first.last+tag_x-y@sub.example-host.org', true],
    ['{ec8030f7-c20a-464f-9b0e-13a3a9e97384}', true],
    ['{EC8030F7-C20A-464F-9B0E-13A3A9E97384}', true],
    [`${'a'.repeat(76)}@b.c`, true], // exactly 80 characters
    [`${'a'.repeat(77)}@b.c`, false],
    ['ec8030f7-c20a-464f-9b0e-13a3a9e97384', false],
    ['{ec8030f7-c20a-464f-9b0e-13a3a9e9738}', false],
    ['a@b/c', false],
    ['a@b%2f..', false],
    ['@example.org', false],
    ['a@', false],
    ['a@b@c', false],
    ['a@b\n', false],
  ])('%j → %s', (id, valid) => {
    expect(isValidAddonId(id)).toBe(valid);
  });
});

describe('versions', () => {
  it('accepts toolkit versions and refuses unsafe ones', async () => {
    expect(validateAddonVersion('1.0b2pre')).toBe('1.0b2pre');
    expect(await codeOf(() => validateAddonVersion('1.0/..'))).toBe('ADDON_VERSION_INVALID');
    expect(await codeOf(() => validateAddonVersion('2.*'))).toBe('ADDON_VERSION_INVALID');
  });

  it('allows * parts only in application versions', async () => {
    expect(validateAppVersion('128.*', 'max')).toBe('128.*');
    expect(validateAppVersion('*', 'max')).toBe('*');
    expect(await codeOf(() => validateAppVersion('128*', 'max'))).toBe('ADDON_VERSION_INVALID');
  });
});
