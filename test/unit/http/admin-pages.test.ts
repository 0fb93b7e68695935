import { describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../../src/catalog/addon-record.ts';
import { describeEntry } from '../../../src/http/admin/activity-page.ts';
import { manifestJsonSnippet, releaseNotesLinks } from '../../../src/http/admin/addon-snippets.ts';
import { pageNumber, pageOf, pagerLinks } from '../../../src/http/admin/paging.ts';
import { breakable } from '../../../src/http/admin/views.ts';

const THUNDERBIRD = '{3550f703-e582-4d05-9a08-453d09bdfdc6}';
const URL = 'https://updates.example.org';

describe('admin page helpers', () => {
  it('links release notes at locales a browser can open', () => {
    const hosted = `${URL}/notes/a%40b/1.0/%APP_LOCALE%`;
    expect(releaseNotesLinks({ updateInfoURL: hosted, notes: { de: 'x', '': 'y' } })).toEqual([
      { label: 'default', href: `${URL}/notes/a%40b/1.0` },
      { label: 'de', href: `${URL}/notes/a%40b/1.0/de` },
    ]);
    expect(releaseNotesLinks({ updateInfoURL: 'https://example.org/%APP_LOCALE%/notes' })).toEqual([{ label: 'en-US', href: 'https://example.org/en-US/notes' }]);
    expect(releaseNotesLinks({ updateInfoURL: 'https://example.org/n' })).toEqual([{ label: 'https://example.org/n', href: 'https://example.org/n' }]);
    expect(releaseNotesLinks({})).toEqual([]);
  });

  it('gives a Thunderbird-only WebExtension its Thunderbird update.json', () => {
    const record = { id: 'tb@example.org', versions: [{ version: '1.0', targets: [{ appId: THUNDERBIRD, minVersion: '115.0', maxVersion: '*' }] }] } as unknown as AddonRecord;
    expect(JSON.parse(`{${manifestJsonSnippet(URL, record)}}`).browser_specific_settings.gecko.update_url).toBe(`${URL}/updates/tb%40example.org/${THUNDERBIRD}/update.json`);
  });

  it('pages: clamps out-of-range pages and keeps filters in the links', () => {
    const items = Array.from({ length: 120 }, (_, i) => i);
    expect(pageOf(items, 99)).toMatchObject({ page: 3, pages: 3, from: 101, to: 120 });
    expect(pageOf([], 1)).toMatchObject({ page: 1, pages: 1, from: 0, to: 0, items: [] });
    expect(pageNumber('2')).toBe(2);
    for (const bad of ['0', '-1', '1.5', 'x', undefined, ['2']]) expect(pageNumber(bad)).toBe(1);
    expect(pagerLinks('/admin/activity', { actor: 'cli', addon: '' }, pageOf(items, 2))).toMatchObject({
      prev: '/admin/activity?actor=cli',
      next: '/admin/activity?actor=cli&page=3',
    });
  });

  it('describes audit entries in words, and unknown ones as key: value', () => {
    expect(describeEntry({ at: '', actor: 'cli', action: 'edit-range', details: { version: '1.0', appId: THUNDERBIRD, before: { minVersion: '1', maxVersion: '2' }, after: { minVersion: '1', maxVersion: '3' } } }))
      .toBe('Thunderbird range of 1.0: 1 – 2 → 1 – 3');
    expect(describeEntry({ at: '', actor: 'cli', action: 'something-new', details: { a: 1, b: { c: 2 } } })).toBe('a: 1, b: {"c":2}');
  });

  it('escapes text and lets ids break only between their parts', () => {
    expect(breakable('<a>@x.org')).toBe('&lt;a&gt;@<wbr>x.<wbr>org');
    expect(breakable('/u?a=1&b')).toBe('/<wbr>u?<wbr>a=<wbr>1&amp;<wbr>b');
  });
});
