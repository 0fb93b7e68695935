import { describe, expect, it } from 'vitest';
import { ByteLru, ENTRY_OVERHEAD_BYTES } from '../../../src/cache/byte-lru.ts';

/** What one entry of `bytes` under key `key` counts for. */
const cost = (key: string, bytes: number) => bytes + 2 * key.length + ENTRY_OVERHEAD_BYTES;

describe('ByteLru', () => {
  it('never holds more bytes than its budget, however much is put in', () => {
    const lru = new ByteLru(64 * 1024);
    for (let i = 0; i < 5000; i++) {
      lru.set(`k${i}`, i, (i * 37) % 4000);
      expect(lru.bytes).toBeLessThanOrEqual(lru.maxBytes);
    }
    let counted = 0;
    for (let i = 0; i < 5000; i++) if (lru.has(`k${i}`)) counted += cost(`k${i}`, (i * 37) % 4000);
    expect(counted).toBe(lru.bytes);
  });

  it('evicts the least recently used entry first; get() counts as a use, peek() does not', () => {
    const keys = 'abcdefgh'.split('');
    const lru = new ByteLru(8 * cost('a', 100));
    for (const k of keys) lru.set(k, k.toUpperCase(), 100);
    expect(lru.get('a')).toBe('A');
    expect(lru.peek('b')).toBe('B');
    lru.set('i', 'I', 100);
    expect([...keys, 'i'].filter((k) => !lru.has(k))).toEqual(['b']);
    expect(lru.size).toBe(8);
  });

  it('refuses an entry bigger than an eighth of the budget instead of flushing everything', () => {
    const lru = new ByteLru(8000);
    lru.set('small', 1, 100);
    expect(lru.set('huge', 2, 2000)).toBe(false);
    expect(lru.has('huge')).toBe(false);
    expect(lru.has('small')).toBe(true);
  });

  it('replacing, resizing and deleting keep the byte count exact', () => {
    const lru = new ByteLru(100_000);
    lru.set('x', 1, 1000);
    lru.set('x', 2, 500);
    expect(lru.bytes).toBe(cost('x', 500));
    lru.resize('x', 3000);
    expect(lru.bytes).toBe(cost('x', 3000));
    lru.set('y:1', 1, 10);
    lru.set('y:2', 1, 10);
    expect(lru.deletePrefix('y:')).toBe(2);
    expect(lru.delete('x')).toBe(true);
    expect(lru.bytes).toBe(0);
    expect(lru.size).toBe(0);
  });

  it('a resize past the budget evicts the oldest entries until it fits', () => {
    const lru = new ByteLru(10 * cost('a', 100));
    for (const k of 'abcde') lru.set(k, k, 100);
    lru.resize('e', 1500);
    expect(lru.bytes).toBeLessThanOrEqual(lru.maxBytes);
    expect('abcde'.split('').filter((k) => lru.has(k))).toEqual(['d', 'e']);
  });
});
