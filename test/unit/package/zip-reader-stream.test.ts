import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openZip } from '../../../src/package/zip-reader.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { codeOf } from './expect-code.ts';

/** ZipArchive.stream: read()'s bytes and checks, without holding the entry whole. */
describe('ZipArchive.stream', () => {
  const big = randomBytes(300 * 1024);

  async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const chunk of chunks) out.push(chunk);
    return out;
  }

  it('yields the same bytes as read(), stored or deflated', async () => {
    const zip = await openZip(rawZip([{ name: 'stored.bin', data: big }, { name: 'deflated.bin', data: big, method: 8 }, { name: 'empty', data: '' }]));
    for (const name of ['stored.bin', 'deflated.bin']) {
      const chunks = await collect(zip.stream(name));
      // A stored entry of an in-memory archive is one slice; inflating always comes in chunks.
      if (name === 'deflated.bin') expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).equals(await zip.read(name))).toBe(true);
    }
    expect(await collect(zip.stream('empty'))).toEqual([]);
    zip.close();
  });

  it('refuses a missing entry and one declared larger than the cap before yielding anything', async () => {
    const zip = await openZip(rawZip([{ name: 'a.bin', data: big }]));
    expect(await codeOf(collect(zip.stream('missing')))).toBe('ZIP_ENTRY_NOT_FOUND');
    expect(await codeOf(collect(zip.stream('a.bin', 1024)))).toBe('ZIP_ENTRY_TOO_LARGE');
    zip.close();
  });

  it('reports a wrong checksum after the last chunk', async () => {
    const zip = await openZip(rawZip([{ name: 'a.bin', data: big, crc32: 0xdeadbeef }, { name: 'b.bin', data: big, method: 8, crc32: 0xdeadbeef }]));
    for (const name of ['a.bin', 'b.bin']) {
      let seen = 0;
      const code = await codeOf((async () => {
        for await (const chunk of zip.stream(name)) seen += chunk.length;
      })());
      expect(code).toBe('ZIP_INVALID');
      expect(seen).toBe(big.length);
    }
    zip.close();
  });

  it('lets a consumer stop early and keeps the archive usable', async () => {
    const zip = await openZip(rawZip([{ name: 'a.bin', data: big }, { name: 'b.bin', data: 'rest' }]));
    for await (const chunk of zip.stream('a.bin')) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect((await zip.read('b.bin')).toString()).toBe('rest');
    zip.close();
  });
});
