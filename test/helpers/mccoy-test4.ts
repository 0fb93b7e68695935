import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TEST4_DIR = new URL('../fixtures/mccoy/mccoy-selftest-test4/', import.meta.url);
const read = (file: string): Buffer => readFileSync(fileURLToPath(new URL(file, TEST4_DIR)));

/** McCoy's self-test key test4.pem (password keytest4) and the updateKey its install.rdf carries. */
export const test4 = {
  pem: read('test4.pem'),
  password: 'keytest4',
  updateKey: /<em:updateKey>([^<]+)<\/em:updateKey>/.exec(read('install.rdf').toString('utf8'))![1]!,
};
