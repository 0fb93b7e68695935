import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseGupdateQuery } from '../../../src/crx/gupdate-request.ts';
import {
  answerGupdateQuery,
  chooseGupdateUpdate,
  renderGupdateResponse,
  type GupdateCandidate,
} from '../../../src/crx/gupdate-response.ts';

const A = 'a'.repeat(32);
const B = 'bcdefghijklmnopabcdefghijklmnopa';
const HASH = 'ab'.repeat(32);

function candidate(version: string, minimumChromeVersion?: string): GupdateCandidate {
  return { version, codebase: `https://updates.example/files/${A}-${version}.crx`, sha256: HASH, size: 1234, minimumChromeVersion };
}

const history = [candidate('1.0'), candidate('1.10', '120'), candidate('1.9'), candidate('2.0', '160')];
const chosen = (installed: string | undefined, prodVersion: string | undefined) =>
  chooseGupdateUpdate({ id: A, installedVersion: installed, installSource: undefined }, history, prodVersion)?.version;

describe('chooseGupdateUpdate', () => {
  it.each([
    // installed, browser, answer
    [undefined, '156.0.8078.114', '1.10'], // 2.0 needs Chromium 160; 1.10 > 1.9 numerically
    [undefined, '160', '2.0'],
    [undefined, '119.0', '1.9'],
    ['1.9', '119.0', undefined],
    ['1.0', '156.0.8078.114', '1.10'],
    ['1.10', '156.0.8078.114', undefined],
    ['1.10.0', '156.0.8078.114', undefined], // equal to 1.10
    ['3.0', '160', undefined], // newer than anything here
    [undefined, undefined, '2.0'], // unknown browser: newest, with prodversionmin for it to judge
  ])('installed %s on Chromium %s gets %s', (installed, prodVersion, expected) => {
    expect(chosen(installed, prodVersion)).toBe(expected);
  });

  it('answers noupdate when there is nothing', () => {
    expect(chooseGupdateUpdate({ id: A, installedVersion: undefined, installSource: undefined }, [], '156')).toBeUndefined();
  });
});

describe('renderGupdateResponse', () => {
  it('writes the documented shape', () => {
    const xml = renderGupdateResponse([
      { appId: A, update: { ...candidate('1.10', '120'), codebase: 'https://updates.example/f?a=1&b="2"' } },
      { appId: B, update: undefined },
    ]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">\n' +
        `  <app appid="${A}" status="ok">\n` +
        `    <updatecheck status="ok" codebase="https://updates.example/f?a=1&amp;b=&quot;2&quot;" version="1.10" prodversionmin="120" hash_sha256="${HASH}" size="1234"/>\n` +
        '  </app>\n' +
        `  <app appid="${B}" status="ok">\n` +
        '    <updatecheck status="noupdate"/>\n' +
        '  </app>\n' +
        '</gupdate>\n',
    );
    // And an XML parser reads the escaped URL back.
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(parsed.gupdate.app[0].updatecheck.codebase).toBe('https://updates.example/f?a=1&b="2"');
  });

  it('leaves out optional attributes', () => {
    const xml = renderGupdateResponse([{ appId: A, update: { version: '1.0', codebase: 'http://127.0.0.1:8080/a.crx', sha256: HASH } }]);
    expect(xml).toContain(`<updatecheck status="ok" codebase="http://127.0.0.1:8080/a.crx" version="1.0" hash_sha256="${HASH}"/>`);
  });

  it.each([
    ['an app id that is not one', { appId: 'nope', update: undefined }],
    ['a bad version', { appId: A, update: { ...candidate('1.0'), version: '1.0 beta' } }],
    ['a relative codebase', { appId: A, update: { ...candidate('1.0'), codebase: '/files/a.crx' } }],
    ['a javascript: codebase', { appId: A, update: { ...candidate('1.0'), codebase: 'javascript:alert(1)' } }],
    ['a control character', { appId: A, update: { ...candidate('1.0'), codebase: 'https://a.example/\u0001' } }],
    ['an upper-case hash', { appId: A, update: { ...candidate('1.0'), sha256: HASH.toUpperCase() } }],
    ['a negative size', { appId: A, update: { ...candidate('1.0'), size: -1 } }],
    ['a bad prodversionmin', { appId: A, update: candidate('1.0', 'new') }],
  ])('refuses to render %s', (_why, answer) => {
    expect(() => renderGupdateResponse([answer])).toThrow(RangeError);
  });
});

describe('answerGupdateQuery', () => {
  it('answers every app of a check in order, unknown ids with noupdate', () => {
    const query = parseGupdateQuery(`prodversion=156.0.8078.114&x=${encodeURIComponent(`id=${B}&v=0.0.0.0`)}&x=${encodeURIComponent(`id=${A}&v=1.0`)}`);
    const answers = answerGupdateQuery(query, new Map([[A, history]]));
    expect(answers.map((a) => [a.appId, a.update?.version])).toEqual([
      [B, undefined],
      [A, '1.10'],
    ]);
    expect(renderGupdateResponse(answers)).toContain('<updatecheck status="noupdate"/>');
  });
});
