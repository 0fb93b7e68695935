import { describe, expect, it } from 'vitest';
import { ChangeJournal } from '../../../src/storage/change-journal.ts';
import { dataKeys } from '../../../src/storage/data-keys.ts';
import { writeObject } from '../../../src/storage/objects/object-bytes.ts';
import { tempFolderObjects } from '../../helpers/object-backends.ts';

/** Add-on intents stay where they were; every other kind's sit in a folder of their own, apart. */
describe('change journal kinds', () => {
  it('keeps each kind apart: an id in two kinds is two intents, each listed and read only as its own', async () => {
    const objects = tempFolderObjects();
    const journal = new ChangeJournal(objects);
    await journal.begin({ id: 'same', revision: 2, action: 'publish', file: 'same-1.xpi' });
    await journal.begin({ id: 'same', revision: 5, action: 'withdraw', kind: 'chromium' });
    await journal.begin({ id: 'production', revision: 1, action: 'publish', kind: 'vpn' });
    expect(dataKeys.intent('same')).toBe('private/intents/same.json');
    expect(dataKeys.intent('same', 'chromium')).toBe('private/intents/chromium/same.json');

    expect((await journal.pending()).intents.map((i) => i.revision)).toEqual([2]);
    expect((await journal.pending({ kind: 'chromium' })).intents.map((i) => i.revision)).toEqual([5]);
    expect((await journal.pending({ kind: 'jami' })).intents).toEqual([]);
    expect((await journal.read('same'))?.revision).toBe(2);
    expect((await journal.read('same', 'chromium'))?.revision).toBe(5);
    expect(await journal.read('production')).toBeUndefined();

    await journal.end('same', 'chromium');
    expect((await journal.pending({ kind: 'chromium' })).intents).toEqual([]);
    expect((await journal.pending()).intents).toHaveLength(1);
  });

  it('reports an intent of another kind put in the wrong folder instead of acting on it', async () => {
    const objects = tempFolderObjects();
    await writeObject(objects, 'private/intents/jami/x.json', JSON.stringify({ id: 'x', revision: 1, action: 'publish', kind: 'vpn' }));
    const { intents, problems } = await new ChangeJournal(objects).pending({ kind: 'jami' });
    expect(intents).toEqual([]);
    expect(problems).toEqual([{ file: 'x.json', reason: 'not an intent' }]);
  });
});
