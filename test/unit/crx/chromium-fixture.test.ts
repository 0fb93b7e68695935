import crypto from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChromiumManifest } from '../../../src/crx/chromium-manifest.ts';
import { readCrx3, verifyCrx3Stream } from '../../../src/crx/crx3-read.ts';
import { decodeCrxFileHeader, encodeCrxFileHeader } from '../../../src/crx/crx3-proto.ts';
import { extensionIdOf } from '../../../src/crx/extension-id.ts';
import { openZip } from '../../../src/package/zip-reader.ts';
import { idOf } from '../../helpers/crx-build.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

/** A package written by Chromium 156 itself (test/fixtures/crx/SOURCE.txt): works without Chromium. */
const DIR = path.resolve(import.meta.dirname, '../../fixtures/crx');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expect.json'), 'utf8')) as {
  file: string;
  sha256: string;
  id: string;
  publicKeySpkiBase64: string;
  manifest: { name: string; version: string; minimumChromeVersion: string; updateUrl: string };
  entries: string[];
};
const file = path.join(DIR, expected.file);
const crx = readFileSync(file);

describe('a CRX3 written by Chromium 156', () => {
  it('is the file the note describes', () => {
    expect(crypto.createHash('sha256').update(crx).digest('hex')).toBe(expected.sha256);
  });

  it('reads with the id Chromium gave it, every proof verified', async () => {
    const read = readCrx3(crx);
    expect(read.id).toBe(expected.id);
    expect(read.developerKeySpki.toString('base64')).toBe(expected.publicKeySpkiBase64);
    expect(extensionIdOf(read.developerKeySpki)).toBe(expected.id);
    expect(idOf(read.developerKeySpki)).toBe(expected.id);
    expect(read.proofs.map((p) => p.algorithm)).toEqual(['sha256_with_rsa']);
    expect(read.zipOffset + read.zipLength).toBe(crx.length);
    const streamed = await verifyCrx3Stream(createReadStream(file, { highWaterMark: 64 }));
    expect(streamed.id).toBe(expected.id);
  });

  it('has the header layout Outpost writes: re-encoding the parsed header gives the same bytes', () => {
    const { zipOffset } = readCrx3(crx);
    const header = crx.subarray(12, zipOffset);
    expect(encodeCrxFileHeader(decodeCrxFileHeader(header))).toEqual(header);
  });

  it('holds a ZIP that Outpost\'s ZIP reader opens and a manifest it accepts', async () => {
    const { zipOffset } = readCrx3(crx);
    const zip = await openZip(crx.subarray(zipOffset));
    try {
      expect(zip.entries.map((e) => e.name).sort()).toEqual(expected.entries);
      expect(parseChromiumManifest(await zip.read('manifest.json'))).toMatchObject(expected.manifest);
    } finally {
      zip.close();
    }
  });

  it('is refused once any byte after the preamble changes', () => {
    const { zipOffset } = readCrx3(crx);
    for (const at of [14, zipOffset - 1, zipOffset, crx.length - 1]) {
      const copy = Buffer.from(crx);
      copy[at] = copy[at]! ^ 0x40;
      expect(crxCodeOfSync(() => readCrx3(copy)), `byte ${at}`).toMatch(/^CRX_(HEADER_INVALID|KEY_UNSUPPORTED|PROOF_INVALID|ID_MISMATCH)$/);
    }
  });
});
