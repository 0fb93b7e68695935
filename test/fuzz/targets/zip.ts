import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { openZip, type ZipArchive, type ZipSource } from '../../../src/package/zip-reader.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * The ZIP reader on untrusted uploads: open (central directory checks), then read every entry
 * (local header checks, inflate, CRC). Both sources are fuzzed: a Buffer (API uploads) and a
 * random-access reader (uploads spooled to disk go through yauzl's other code path).
 */
class BufferReader extends yauzl.RandomAccessReader {
  constructor(private readonly data: Buffer) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([this.data.subarray(start, end)]);
  }
}

async function readAll(source: ZipSource): Promise<void> {
  let zip: ZipArchive | undefined;
  await expectOnlyOutpostErrors(async () => {
    zip = await openZip(source);
  });
  if (!zip) return;
  try {
    for (const entry of zip.entries) {
      if (!entry.isDirectory) await expectOnlyOutpostErrors(() => zip!.read(entry.name));
    }
  } finally {
    zip.close();
  }
}

export async function fuzz(data: Buffer): Promise<void> {
  await readAll(data);
  await readAll({ reader: new BufferReader(data), size: data.length });
}
