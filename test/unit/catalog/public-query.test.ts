import { describe, expect, it } from 'vitest';
import { platformText, type CatalogEntry } from '../../../src/catalog/public-entries.ts';
import { entryMatcher, parseCatalogQuery } from '../../../src/catalog/public-query.ts';

const entry = (over: Partial<CatalogEntry>): CatalogEntry => ({
  kind: 'addon', id: 'a@x', name: 'A', description: '', author: '', version: '1.0', type: 'extension', applications: [], platforms: [], anyPlatform: true,
  notes: false, updatedAt: '', sortKey: 'a', haystack: 'a@x\na\n', ...over,
});

describe('parseCatalogQuery', () => {
  it('reads the search, filters and page, trimming the search', () => {
    expect(parseCatalogQuery({ q: '  Tabs ', application: 'jami', platform: 'arm64-v8a', type: 'jami-plugin', page: '3', utm: 'x' })).toEqual({
      ok: true, query: { q: 'Tabs', application: 'jami', platform: 'arm64-v8a', type: 'jami-plugin', page: 3 },
    });
    expect(parseCatalogQuery({})).toEqual({ ok: true, query: { q: '', application: '', platform: '', type: '', page: 1 } });
  });

  it('says what is wrong with each bad value, keeping the good ones for the form', () => {
    const parsed = parseCatalogQuery({ q: ['a', 'b'], type: 'toString', page: '0', platform: 'Linux' });
    expect(parsed.ok).toBe(false);
    expect(parsed.query).toMatchObject({ q: '', type: '', page: 1, platform: 'Linux' });
    if (!parsed.ok) {
      expect(parsed.message).toContain('"q" may be given once');
      expect(parsed.message).toContain('"type" must be one of');
      expect(parsed.message).toContain('"page" must be a page number');
    }
    for (const raw of [{ q: 'x'.repeat(101) }, { application: '<b>' }, { platform: 'a b' }, { page: '1000000' }, { page: '1.5' }]) {
      expect(parseCatalogQuery(raw).ok, JSON.stringify(raw).slice(0, 40)).toBe(false);
    }
  });
});

describe('entryMatcher', () => {
  it('matches every filter given, platforms only where built for them', () => {
    const jami = entry({ applications: ['jami'], platforms: ['android', 'arm64-v8a'], anyPlatform: false, type: 'jami-plugin', haystack: 'p\ngreen screen\nblurs' });
    const neutral = entry({});
    const match = (q: Record<string, string>) => [jami, neutral].filter(entryMatcher(parseCatalogQuery(q).query)).length;
    expect(match({ q: 'BLURS' })).toBe(1);
    expect(match({ platform: 'arm64-v8a' })).toBe(1);
    expect(match({ application: 'jami', type: 'extension' })).toBe(0);
    expect(match({})).toBe(2);
  });

  it('says "All" for platform-neutral packages, beside any platform builds', () => {
    expect(platformText({ platforms: [], anyPlatform: true })).toBe('All');
    expect(platformText({ platforms: ['Linux'], anyPlatform: false })).toBe('Linux');
    expect(platformText({ platforms: ['Linux', 'WINNT'], anyPlatform: true })).toBe('All; also built for Linux, WINNT');
  });
});
