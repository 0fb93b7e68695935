import { afterEach, expect, it } from 'vitest';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { listNames, readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import { buildExtensionZip, extensionManifest } from '../helpers/crx-build.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * An intent that no recovery has reached yet (its instance died, nobody restarted, no resync ran)
 * is settled by the next change to the same thing before that change writes its own.
 */
let server: TestServer | undefined;
afterEach(async () => server?.close());

const publish = async (s: TestServer, version: string) => {
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(await buildExtensionZip(extensionManifest({ version })))]), 'ext.zip');
  const res = await fetch(`${s.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${s.token}` } });
  return { status: res.status, id: ((await res.json()) as { id: string }).id };
};

it('settles a Chromium intent left behind before the next change to the extension replaces it', async () => {
  server = await startServer();
  const { objects, journal, chromiumRecords, audit } = server.outpost;
  const { id } = await publish(server, '1.0');
  // A publish of 9.9 cut short after its package, before its record.
  const stray = `${id}-9.9.crx`;
  await writeObject(objects, dataKeys.file(id, stray), 'half a package');
  const audited = { actor: 'token:x', action: 'publish', target: id, details: { version: '9.9' } };
  await journal.begin({ kind: 'chromium', id, revision: chromiumRecords.get(id)!.revision + 1, action: 'publish', file: stray, audit: audited });

  expect((await publish(server, '1.1')).status).toBe(201);
  expect(await readObject(objects, dataKeys.file(id, stray))).toBeUndefined();
  expect((await listNames(objects, dataKeys.files(id))).sort()).toEqual([`${id}-1.0.crx`, `${id}-1.1.crx`]);
  expect(await journal.read(id, 'chromium')).toBeUndefined();
  // The cut publish never reached its record: no entry of it; the two answered ones have one each.
  const entries = (await audit.recent(50)).filter((e) => e.target === id && e.action === 'publish');
  expect(entries.map((e) => (e.details as { version: string }).version).sort()).toEqual(['1.0', '1.1']);
});
