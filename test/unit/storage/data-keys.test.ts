import { describe, expect, it } from 'vitest';
import { dataKeys, FEED_FILE_PREFIXES, StorageError } from '../../../src/storage/data-keys.ts';

describe('dataKeys', () => {
  it('puts every file a feed may send under one of FEED_FILE_PREFIXES, and nothing else there', () => {
    const sendable = [dataKeys.file('a@b', 'a.xpi'), dataKeys.feedOnly('a@b', 'a.xpi'), dataKeys.jamiFile('p', 'p.jpl'), dataKeys.jamiFeedFile('p', 'p.jpl')];
    for (const key of sendable) expect(FEED_FILE_PREFIXES.some((p) => key.startsWith(p)), key).toBe(true);
    const notSendable = [dataKeys.withdrawn('a@b', 'a.xpi'), dataKeys.feedOnlyIcon('a@b', 'i.png'), dataKeys.document('a@b', 'update.rdf'), dataKeys.feeds];
    for (const key of notSendable) expect(FEED_FILE_PREFIXES.some((p) => key.startsWith(p)), key).toBe(false);
  });

  it('refuses a name that would leave its folder', () => {
    expect(() => dataKeys.file('..', 'a.xpi')).toThrow(StorageError);
    expect(() => dataKeys.file('a@b', 'x/../../y')).toThrow(StorageError);
  });
});
