import { expect } from 'vitest';
import { jamiFileKey, jamiNamedFiles } from '../../src/app/jami-visibility.ts';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { buildJpl, type JplSigner } from '../helpers/jami-jpl.ts';
import { call, objectsOf, post, storedSha, type Harness, type Scenario } from './kind-crash-harness.ts';

/**
 * Making one Jami plugin private, then public, then private…, each round cut at its next write:
 * after repair every file is where the record says, and a private plugin has nothing in public/
 * and is unknown to the public store.
 */
export function jamiVisibility(signer: () => JplSigner): Scenario {
  const id = 'CrashVisible';
  let asked = false;
  let wanted: boolean | undefined;
  return {
    prepare: async (h, round) => {
      if (round === 1) expect(await post(h, await buildJpl({ id, version: '1.0.0', signWith: signer() }), 'plugin.jpl')).toBe(201);
    },
    change: (h) => {
      asked = !h.server.outpost.plugins.get(id)?.private;
      return call(h, 'POST', `/jami/${id}/visibility/${asked ? 'private' : 'public'}`);
    },
    // Cut short: finished or taken back, either state is right; answered: the state asked for.
    answered: (_round, status) => void (wanted = status === 200 ? asked : undefined),
    check: async (h: Harness) => {
      const record = h.server.outpost.plugins.get(id)!;
      if (wanted !== undefined) expect(Boolean(record.private)).toBe(wanted);
      for (const v of record.versions) expect(await storedSha(h, jamiFileKey(record, v.file)), v.file).toBe(v.sha256);
      const [here, there] = record.private ? [dataKeys.jamiFeedFiles(id), dataKeys.jamiFiles(id)] : [dataKeys.jamiFiles(id), dataKeys.jamiFeedFiles(id)];
      expect((await listNames(objectsOf(h), here)).sort()).toEqual([...jamiNamedFiles(record)].sort());
      if (record.private) expect(await listNames(objectsOf(h), there)).toEqual([]);
      expect((await fetch(`${h.server.url}/jami/details/${id}`)).status).toBe(record.private ? 404 : 200);
    },
  };
}
