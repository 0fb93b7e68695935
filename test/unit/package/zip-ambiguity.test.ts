import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/package/crc32.ts';
import { openZip } from '../../../src/package/zip-reader.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { codeOf } from './expect-code.ts';

function unicodePath(name: string, headerName: string): Buffer {
  const body = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from(name)]);
  body.writeUInt32LE(crc32(Buffer.from(headerName)), 1);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(0x7075, 0);
  head.writeUInt16LE(body.length, 2);
  return Buffer.concat([head, body]);
}

describe('archives two readers could read differently', () => {
  it('accepts a Unicode Path field that repeats the header name', async () => {
    const zip = await openZip(rawZip([{ name: 'caf\u00e9.txt', data: 'x', flags: 0x0800, extra: unicodePath('caf\u00e9.txt', 'caf\u00e9.txt') }]));
    expect(zip.entries.map((e) => e.name)).toEqual(['caf\u00e9.txt']);
    zip.close();
  });

  it.each([
    ['ZIP_UNICODE_PATH_MISMATCH', [{ name: 'a.txt', data: 'x', extra: unicodePath('b.txt', 'a.txt') }]],
    ['ZIP_NAME_CASE_CONFLICT', [{ name: 'A/b.txt', data: 'x' }, { name: 'a/B.TXT', data: 'y' }]],
    ['ZIP_NAME_TOO_LONG', [{ name: `${'a'.repeat(256)}`, data: 'x' }]],
    ['ZIP_NAME_TOO_LONG', [{ name: `${'a/'.repeat(513)}`.slice(0, 1025), data: 'x' }]],
    ['ZIP_HEADER_MISMATCH', [{ name: 'a.txt', data: 'x' }, { name: 'b.txt', data: 'y', localCrc32: 7 }]],
    ['ZIP_HEADER_MISMATCH', [{ name: 'a.txt', data: 'x' }, { name: 'b.txt', data: 'yy', localCompressedSize: 1 }]],
  ])('%s', async (code, entries) => {
    expect(await codeOf(openZip(rawZip(entries)))).toBe(code);
  });

  it('allows names up to the limits', async () => {
    const zip = await openZip(rawZip([{ name: `${'d/'.repeat(300)}${'a'.repeat(255)}`.slice(-1024), data: 'x' }]));
    zip.close();
  });
});
