import { decodeSignatures, inspectJpl } from '../../../src/jami/jpl-inspect.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { expectOnlyOutpostErrors } from '../expected-errors.ts';

/**
 * Jami plugin reading: the msgpack `signatures` map on the raw bytes, inspectJpl on the bytes as
 * an archive, and inspectJpl on a well-formed archive whose manifest.json and `signatures` are the
 * bytes (a mutated archive rarely passes the CRC check, so this is how the manifest and the map
 * get fuzzed inside a package).
 */
export async function fuzz(data: Buffer): Promise<void> {
  await expectOnlyOutpostErrors(() => decodeSignatures(data));
  await expectOnlyOutpostErrors(() => inspectJpl(data));
  const wrapped = rawZip([
    { name: 'manifest.json', data },
    { name: 'signatures', data },
    { name: 'lib/x86_64-linux-gnu/libFuzz.so', data: 'ELF' },
  ]);
  await expectOnlyOutpostErrors(() => inspectJpl(wrapped));
}
