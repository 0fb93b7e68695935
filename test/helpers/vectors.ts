import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Public McCoy/Mozilla vectors, copied into the repository (each folder's SOURCE.txt says where
 * from) so a clone with no siblings passes its tests.
 */
export const MCCOY_VECTORS = path.resolve(fileURLToPath(new URL('../fixtures/mccoy', import.meta.url)));

export interface McCoyVector {
  name: string;
  dir: string;
  updateRdf: Buffer;
  installRdf?: string;
  checks: { id: string; key?: string; expect: boolean }[];
  signedStrings: Record<string, string>;
}

export function updateKeyFromInstallRdf(text: string): string {
  const m = /<em:updateKey>([\s\S]*?)<\/em:updateKey>/.exec(text);
  if (!m) throw new Error('install.rdf has no em:updateKey');
  return m[1]!.replace(/\s+/g, '');
}

export function loadMcCoyVectors(): McCoyVector[] {
  if (!existsSync(MCCOY_VECTORS)) throw new Error(`McCoy vectors not found at ${MCCOY_VECTORS}`);
  return readdirSync(MCCOY_VECTORS).sort().map((name) => {
    const dir = path.join(MCCOY_VECTORS, name);
    const files = readdirSync(dir);
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    const installRdf = files.includes('install.rdf') ? read('install.rdf') : undefined;
    const signedStrings = Object.fromEntries(
      files.filter((f) => f.startsWith('signed-string')).map((f) => [f, read(f)]),
    );
    let checks: McCoyVector['checks'] = files.includes('expect.json') ? JSON.parse(read('expect.json')).checks : [];
    if (checks.length === 0) {
      // propachi has no expect.json: SOURCE.txt says "expected: VERIFIED" for its one add-on.
      const id = /add-on id \(from install.rdf em:id\): (\S+)/.exec(read('SOURCE.txt'))?.[1];
      if (!id) throw new Error(`vector ${name} has neither expect.json nor an add-on id in SOURCE.txt`);
      checks = [{ id, expect: /expected: VERIFIED/.test(read('SOURCE.txt')) }];
    }
    return { name, dir, updateRdf: readFileSync(path.join(dir, 'update.rdf')), installRdf, checks, signedStrings };
  });
}
