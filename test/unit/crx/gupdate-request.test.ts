import { describe, expect, it } from 'vitest';
import { CRX } from '../../../src/limits.ts';
import { parseGupdateQuery } from '../../../src/crx/gupdate-request.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

const A = 'a'.repeat(32);
const B = 'bcdefghijklmnopabcdefghijklmnopa';
const x = (inner: string): string => `x=${encodeURIComponent(inner)}`;

/** As Chromium 156 sent it to a test server (chromium-extensions.md). */
const CHROMIUM_156 =
  `os=linux&arch=x64&prod=chromiumcrx&prodchannel=&prodversion=156.0.8078.114&lang=en-US&acceptformat=crx3,puff` +
  `&x=id%3D${A}%26v%3D0.0.0.0%26installsource%3Dnotfromwebstore%26installedby%3Dpolicy%26uc` +
  `&x=id%3D${B}%26v%3D1.2%26installsource%3Dnotfromwebstore%26installedby%3Dpolicy%26uc`;

describe('parseGupdateQuery', () => {
  it('reads a real Chromium check, apps in request order', () => {
    expect(parseGupdateQuery(CHROMIUM_156)).toEqual({
      apps: [
        { id: A, installedVersion: undefined, installSource: 'notfromwebstore' },
        { id: B, installedVersion: '1.2', installSource: 'notfromwebstore' },
      ],
      prodVersion: '156.0.8078.114',
      prod: 'chromiumcrx',
      acceptFormat: ['crx3', 'puff'],
    });
    expect(parseGupdateQuery(`?${CHROMIUM_156}`)).toEqual(parseGupdateQuery(CHROMIUM_156));
  });

  it.each([
    [x(`id=${A}&uc`), undefined],
    [x(`id=${A}&v=&uc`), undefined],
    [x(`id=${A}&v=0.0.0.0`), undefined],
    [x(`id=${A}&v=2.0.1`), '2.0.1'],
    [x(`id=${A}&v=1.00`), '1.00'],
  ])('reads the installed version from %s', (query, installedVersion) => {
    expect(parseGupdateQuery(query).apps[0]!.installedVersion).toBe(installedVersion);
  });

  it('treats a missing or odd prodversion as unknown', () => {
    expect(parseGupdateQuery(x(`id=${A}`)).prodVersion).toBeUndefined();
    expect(parseGupdateQuery(`prodversion=1.60-beta&${x(`id=${A}`)}`).prodVersion).toBeUndefined();
    expect(parseGupdateQuery(x(`id=${A}`)).acceptFormat).toEqual([]);
  });

  it.each([
    ['no x', 'prodversion=156'],
    ['an empty x', 'x='],
    ['an x without id', x('v=1.0&uc')],
    ['an upper-case id', x(`id=${A.toUpperCase()}`)],
    ['a short id', x(`id=${A.slice(1)}`)],
    ['a letter past p', x(`id=${'q'.repeat(32)}`)],
    ['two ids in one x', x(`id=${A}&id=${B}`)],
    ['two versions in one x', x(`id=${A}&v=1&v=2`)],
    ['a version that is not one', x(`id=${A}&v=1.0beta`)],
    ['the same id twice', `${x(`id=${A}`)}&${x(`id=${A}&v=1`)}`],
    ['two prodversions', `prodversion=1&prodversion=2&${x(`id=${A}`)}`],
  ])('refuses %s', (_why, query) => {
    expect(crxCodeOfSync(() => parseGupdateQuery(query))).toBe('CRX_UPDATE_QUERY_INVALID');
  });

  it('is bounded: query length, number of apps, length of one app', () => {
    const many = Array.from({ length: CRX.maxUpdateApps + 1 }, (_, i) => `x=id%3D${i.toString(16).padStart(32, '0').replace(/[0-9a-f]/g, (c) => String.fromCharCode(97 + parseInt(c, 16)))}`).join('&');
    expect(many.length).toBeLessThan(CRX.maxUpdateQueryBytes);
    expect(crxCodeOfSync(() => parseGupdateQuery(many))).toBe('CRX_UPDATE_QUERY_TOO_LARGE');
    expect(crxCodeOfSync(() => parseGupdateQuery(`${x(`id=${A}`)}&pad=${'p'.repeat(CRX.maxUpdateQueryBytes)}`))).toBe('CRX_UPDATE_QUERY_TOO_LARGE');
    expect(crxCodeOfSync(() => parseGupdateQuery(x(`id=${A}&ping=${'r'.repeat(CRX.maxUpdateAppParamBytes)}`)))).toBe('CRX_UPDATE_QUERY_TOO_LARGE');
    const exactly = many.split('&').slice(0, CRX.maxUpdateApps).join('&');
    expect(parseGupdateQuery(exactly).apps).toHaveLength(CRX.maxUpdateApps);
  });
});
