import { describe, expect, it } from 'vitest';
import { APP, clientFormat, platformFit, selectUpdates, type Candidate, type CompatMode } from '../../../src/manifest/update-selection.ts';

const FF = APP.firefox;
const TB = APP.thunderbird;
const SM = APP.seamonkey;

// A catalog that exercises every rule: ranges per application, platform-specific files.
const candidates: Candidate<string>[] = [
  { version: '1.0', targets: [{ appId: FF, minVersion: '45.0', maxVersion: '56.*' }, { appId: SM, minVersion: '2.40', maxVersion: '2.49.*' }], targetPlatforms: [], item: '1.0' },
  { version: '2.0', targets: [{ appId: FF, minVersion: '57.0', maxVersion: '115.*' }, { appId: TB, minVersion: '60.0', maxVersion: '102.*' }], targetPlatforms: [], item: '2.0' },
  { version: '3.0', targets: [{ appId: FF, minVersion: '115.0', maxVersion: '128.*' }, { appId: TB, minVersion: '115.0', maxVersion: '128.*' }], targetPlatforms: [], item: '3.0' },
  { version: '3.0', targets: [{ appId: FF, minVersion: '115.0', maxVersion: '128.*' }], targetPlatforms: ['WINNT_x86_64-msvc'], item: '3.0-win64' },
  { version: '3.1', targets: [{ appId: FF, minVersion: '115.0', maxVersion: '140.*' }], targetPlatforms: ['Linux'], item: '3.1-linux' },
  { version: '3.1', targets: [{ appId: FF, minVersion: '115.0', maxVersion: '140.*' }], targetPlatforms: ['Darwin_aarch64-gcc3', 'Darwin_x86_64-gcc3'], item: '3.1-mac' },
];

type Row = [app: string, appVersion: string | undefined, mode: CompatMode, os: string | undefined, abi: string | undefined, expected: string[]];

const table: Row[] = [
  // No appVersion: every version for the app (what the static per-app documents hold).
  [FF, undefined, 'normal', undefined, undefined, ['3.0', '2.0', '1.0']],
  [FF, undefined, 'normal', 'Linux', 'x86_64-gcc3', ['3.1-linux', '3.0', '2.0', '1.0']],
  [FF, undefined, 'normal', 'WINNT', 'x86_64-msvc', ['3.0-win64', '2.0', '1.0']],
  [FF, undefined, 'normal', 'WINNT', 'x86-msvc', ['3.0', '2.0', '1.0']],
  [FF, undefined, 'normal', 'Darwin', 'aarch64-gcc3', ['3.1-mac', '3.0', '2.0', '1.0']],
  [TB, undefined, 'normal', undefined, undefined, ['3.0', '2.0']],
  [SM, undefined, 'normal', undefined, undefined, ['1.0']],
  [APP.paleMoon, undefined, 'normal', undefined, undefined, []],
  // strict: min and max.
  [FF, '52.0', 'strict', 'Linux', 'x86_64-gcc3', ['1.0']],
  [FF, '60.0', 'strict', 'Linux', 'x86_64-gcc3', ['2.0']],
  [FF, '115.0', 'strict', 'Linux', 'x86_64-gcc3', ['3.1-linux', '3.0', '2.0']],
  [FF, '128.5', 'strict', 'Linux', 'x86_64-gcc3', ['3.1-linux', '3.0']],
  [FF, '135.0', 'strict', 'Linux', 'x86_64-gcc3', ['3.1-linux']],
  [FF, '135.0', 'strict', 'WINNT', 'x86_64-msvc', []],
  [FF, '150.0', 'strict', 'Linux', 'x86_64-gcc3', []],
  [FF, '40.0', 'strict', undefined, undefined, []],
  // normal: min only (compatible by default).
  [FF, '60.0', 'normal', 'Linux', 'x86_64-gcc3', ['2.0', '1.0']],
  [FF, '150.0', 'normal', 'Linux', 'x86_64-gcc3', ['3.1-linux', '3.0', '2.0', '1.0']],
  [FF, '150.0', 'normal', 'WINNT', 'x86_64-msvc', ['3.0-win64', '2.0', '1.0']],
  [FF, '40.0', 'normal', 'Linux', 'x86_64-gcc3', []],
  // ignore: min only as well, maxVersion is skipped.
  [FF, '150.0', 'ignore', 'Darwin', 'x86_64-gcc3', ['3.1-mac', '3.0', '2.0', '1.0']],
  [FF, '50.0', 'ignore', 'Darwin', 'x86_64-gcc3', ['1.0']],
  [TB, '91.0', 'strict', 'Linux', 'x86_64-gcc3', ['2.0']],
  [TB, '115.2', 'strict', 'Linux', 'x86_64-gcc3', ['3.0']],
  [TB, '115.2', 'normal', 'Linux', 'x86_64-gcc3', ['3.0', '2.0']],
  [TB, '52.0', 'normal', 'Linux', 'x86_64-gcc3', []],
  [SM, '2.49.5', 'strict', 'WINNT', 'x86-msvc', ['1.0']],
  [SM, '2.53.1', 'strict', 'WINNT', 'x86-msvc', []],
  [SM, '2.53.1', 'normal', 'WINNT', 'x86-msvc', ['1.0']],
  [APP.firefoxAndroid, '120.0', 'normal', 'Android', 'arm64-v8a', []],
];

describe('selectUpdates', () => {
  for (const [app, appVersion, mode, os, abi, expected] of table) {
    it(`${app.slice(0, 9)} ${appVersion ?? '-'} ${mode} ${os ?? '-'}/${abi ?? '-'} → ${expected.join(', ') || 'nothing'}`, () => {
      const got = selectUpdates(candidates, { appId: app, appVersion, compatMode: mode, os, abi }).map((s) => s.item);
      expect(got).toEqual(expected);
    });
  }

  it('offers the range of the requesting application', () => {
    const [first] = selectUpdates(candidates, { appId: TB, appVersion: '91.0', compatMode: 'strict' });
    expect(first!.target).toEqual({ appId: TB, minVersion: '60.0', maxVersion: '102.*' });
  });
});

describe('platformFit', () => {
  it.each([
    [[], undefined, undefined, 'neutral'],
    [['Linux'], 'Linux', 'x86-gcc3', 'specific'],
    [['Linux_x86-gcc3'], 'Linux', 'x86_64-gcc3', false],
    [['WINNT_x86-msvc', 'WINNT_x86_64-msvc'], 'WINNT', 'x86_64-msvc', 'specific'],
    [['Darwin'], undefined, undefined, false],
  ] as const)('%j for %s/%s → %s', (platforms, os, abi, fit) => {
    expect(platformFit(platforms, os, abi)).toBe(fit);
  });
});

describe('clientFormat', () => {
  it.each([
    [FF, '56.0.2', 'rdf'], [FF, '57.0', 'json'], [FF, '57.0a1', 'json'], [FF, undefined, 'json'], [FF, '3.6', 'rdf'],
    [TB, '52.9.1', 'rdf'], [TB, '60.0', 'json'], [TB, '128.1', 'json'],
    [SM, '2.53.18', 'rdf'], [APP.paleMoon, '33.0', 'rdf'], [APP.firefoxAndroid, '68.0', 'json'], ['{unknown}', '1', 'json'],
  ] as const)('%s %s reads %s', (app, version, format) => {
    expect(clientFormat(app, version)).toBe(format);
  });
});
