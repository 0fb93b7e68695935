import { describe, expect, it } from 'vitest';
import { buildUpdateJson, renderUpdateJson } from '../../../src/manifest/update-json.ts';
import { codeOf } from '../../helpers/error-code.ts';

const HASH = `sha256:${'c'.repeat(64)}`;
const PALE_MOON = '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}';

describe('update.json', () => {
  const addon = {
    id: 'a@example.org',
    entries: [
      { version: '1.0', updateLink: 'https://u.example/a-1.0.xpi', updateHash: HASH, range: { minVersion: '115.0', maxVersion: '128.*' } },
      { version: '1.10', updateLink: 'https://u.example/a-1.10.xpi', updateHash: HASH, updateInfoURL: 'https://u.example/notes', range: { minVersion: '128.0' } },
      { version: '1.9', updateLink: 'https://u.example/a-1.9.xpi', updateHash: HASH },
    ],
  };

  it('lists every version newest first, with applications.gecko ranges (never browser_specific_settings)', () => {
    const doc = buildUpdateJson([addon]);
    expect(doc).toEqual({
      addons: {
        'a@example.org': {
          updates: [
            { version: '1.10', update_link: 'https://u.example/a-1.10.xpi', update_hash: HASH, update_info_url: 'https://u.example/notes', applications: { gecko: { strict_min_version: '128.0' } } },
            { version: '1.9', update_link: 'https://u.example/a-1.9.xpi', update_hash: HASH },
            { version: '1.0', update_link: 'https://u.example/a-1.0.xpi', update_hash: HASH, applications: { gecko: { strict_min_version: '115.0', strict_max_version: '128.*' } } },
          ],
        },
      },
    });
    expect(renderUpdateJson([addon])).not.toContain('browser_specific_settings');
  });

  it('writes UXP\'s GUID-keyed ranges for Pale Moon', () => {
    const doc = buildUpdateJson([addon], { kind: 'guid', appId: PALE_MOON });
    expect((doc.addons['a@example.org']!.updates[2] as { applications: unknown }).applications).toEqual({ [PALE_MOON]: { min_version: '115.0', max_version: '128.*' } });
  });

  it('refuses hashes a client would not accept', () => {
    expect(codeOf(() => buildUpdateJson([{ id: 'x@y', entries: [{ version: '1', updateLink: 'https://x', updateHash: 'sha256:XYZ' }] }]))).toBe('MANIFEST_HASH_INVALID');
  });
});
