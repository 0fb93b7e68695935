/**
 * Chromium update checks (GET /chromium/updates.xml, update-protocols.md §5): floods of x=,
 * encoding tricks, ids and versions Chromium never sends. Each is answered with a well-formed
 * gupdate document (one <app> and one <updatecheck> per extension asked about) or a JSON 400.
 */
import { chromiumVictimId, CHROMIUM_VICTIM_VERSION } from './crx-common.ts';
import { rawRequest, type HostileCase, type RawAnswer } from './hostile-case.ts';

const enc = encodeURIComponent;
const x = (inner: string) => `x=${enc(inner)}`;
const app = (id: string, v = '1.0') => x(`id=${id}&v=${v}&installsource=notfromwebstore&uc`);
/** A distinct, valid extension id per number (hex digits written as a-p). */
const idN = (n: number) => [...n.toString(16).padStart(32, '0')].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('');
const SOMEONE = idN(1);
const PATH = '/chromium/updates.xml';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">\n';

/** A well-formed answer naming `apps` extensions; `offered`: the victim must be offered its package. */
function answers(apps: number, offered = false): (answer: RawAnswer) => string | undefined {
  return ({ headers, body }) => {
    const xml = body.toString('utf8');
    if (headers['content-type'] !== 'text/xml; charset=utf-8') return `content type ${String(headers['content-type'])}`;
    if (!xml.startsWith(HEAD) || !xml.endsWith('</gupdate>\n')) return `not a gupdate document: ${xml.slice(0, 120)}`;
    const count = (re: RegExp) => xml.match(re)?.length ?? 0;
    if (count(/<app /g) !== apps || count(/<updatecheck /g) !== apps) return `${count(/<app /g)} apps, expected ${apps}`;
    if (offered !== xml.includes(`appid="${chromiumVictimId()}" status="ok">\n    <updatecheck status="ok" codebase=`)) return `the victim was ${offered ? 'not ' : ''}offered an update`;
    return undefined;
  };
}

/** No answer may carry a header the query wrote. */
const noInjectedHeader = ({ headers }: RawAnswer) => (headers['set-cookie'] || headers['x-injected'] ? 'a header came from the query' : undefined);

function check(name: string, query: string, status: number | readonly number[], expectation: string | ((answer: RawAnswer) => string | undefined)): HostileCase {
  return {
    category: 'gupdate',
    name,
    status,
    ...(typeof expectation === 'string' ? { code: expectation, check: noInjectedHeader } : { check: expectation }),
    send: (t) => rawRequest(t.url, query === '' ? PATH : `${PATH}?${query}`),
  };
}

export function gupdateCases(): HostileCase[] {
  const victim = chromiumVictimId();
  // The shortest x= (an id alone), so that 257 of them still fit in a request head of 16 KiB.
  const many = (n: number, id = (i: number) => idN(i + 1)) => Array.from({ length: n }, (_, i) => x(`id=${id(i)}`)).join('&');
  const junk = (bytes: number) => Array.from({ length: Math.ceil(bytes / 12) }, (_, i) => `j${String(i).padStart(5, '0')}=xxxx`).join('&');
  const INVALID = 'CRX_UPDATE_QUERY_INVALID';
  const TOO_LARGE = 'CRX_UPDATE_QUERY_TOO_LARGE';
  const cases: HostileCase[] = [
    check('256 x= parameters', many(256), 200, answers(256)),
    check('257 x= parameters', many(257), 400, TOO_LARGE),
    check('300 x= naming one id', many(300, () => SOMEONE), 400, TOO_LARGE),
    check('one id asked about twice', `${app(SOMEONE)}&${app(SOMEONE, '2.0')}`, 400, INVALID),
    check('the victim, not installed', app(victim, '0.0.0.0'), 200, answers(1, true)),
    check('the victim, a newer version installed', app(victim, '2.0'), 200, answers(1)),
    check('the victim at 4294967295', app(victim, '4294967295'), 200, answers(1)),
    check('v= of eight parts', app(victim, '1.0.0.0.0.0.0.0'), 200, answers(1)),
    check('v= of 400 parts', app(victim, `${CHROMIUM_VICTIM_VERSION}.${'1.'.repeat(399)}1`), 200, answers(1)),
    check('an empty v=', x(`id=${victim}&v=`), 200, answers(1, true)),
    check('x= not percent-encoded', `x=id=${victim}&v=9.0`, 200, answers(1, true)),
    check('x= and X=: names are case-sensitive', `${app(SOMEONE)}&X=${enc(`id=${victim}`)}`, 200, answers(1)),
    check('1000 unknown parameters and one x=', `${junk(12_000)}&${app(SOMEONE)}`, 200, answers(1)),
    check('a realistic Chromium check', `os=linux&arch=x64&os_arch=x86_64&nacl_arch=x86-64&prod=chromiumcrx&prodchannel=&prodversion=156.0.7000.1&lang=en-US&acceptformat=crx3,puff&${x(`id=${victim}&v=0.0.0.0&installsource=policy&installedby=policy&uc&ping=r%3D-1%26e%3D1`)}`, 200, answers(1, true)),
  ];
  for (const prodversion of ['abc', '999999999999999999999', '1'.repeat(2000), '156.0.x', '%00', '-1']) {
    cases.push(check(`prodversion=${JSON.stringify(prodversion.slice(0, 24))} is ignored`, `prodversion=${enc(prodversion)}&${app(victim, '0.0.0.0')}`, 200, answers(1, true)));
  }
  for (const v of ['01.0', '1..0', '-1', '99999999999', 'abc', '1.0 ', '1e3', '1.0\u0000', '\uff11.0']) {
    cases.push(check(`v=${JSON.stringify(v)}`, app(victim, enc(v)), 400, INVALID));
  }
  const ids: [string, string][] = [
    ['in capitals', victim.toUpperCase()], ['of 31 letters', victim.slice(1)], ['of 33 letters', `${victim}a`], ['with letters past p', 'q'.repeat(32)],
    ['with a trailing space', `${victim} `], ['in full-width letters', [...victim].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join('')],
    ['with a NUL', `${victim}\u0000`], ['that is empty', ''], ['with a path', `../${victim}`], ['with a CRLF and a header', `${victim}\r\nSet-Cookie: a=b\r\nX-Injected: 1`],
  ];
  for (const [what, id] of ids) cases.push(check(`an id ${what}`, app(id), 400, INVALID));
  cases.push(
    check('no query at all', '', 400, INVALID),
    check('a lone x', 'x', 400, INVALID),
    check('x[]= (array syntax)', `x[]=${enc(`id=${victim}`)}`, 400, INVALID),
    check('x= with no id', x('v=1.0&uc'), 400, INVALID),
    check('x= naming two ids', x(`id=${victim}&id=${SOMEONE}`), 400, INVALID),
    check('x= with v twice', x(`id=${victim}&v=1.0&v=2.0`), 400, INVALID),
    check('x= with installsource twice', x(`id=${victim}&installsource=a&installsource=b`), 400, INVALID),
    check('x= encoded twice', `x=${enc(enc(`id=${victim}&v=1.0`))}`, 400, INVALID),
    check('x= with malformed percent-encoding', `x=id%3D${victim}%ZZ`, 400, INVALID),
    check('x= with overlong UTF-8 dots', `x=id%3D%C0%AE%C0%AE${victim.slice(4)}`, 400, INVALID),
    check('x= separated by semicolons', `${app(victim)};${app(SOMEONE)}`, 400, INVALID),
    check('x= of 1025 characters', x(`id=${victim}&v=1.0&ping=${'a'.repeat(1025)}`), 400, TOO_LARGE),
    check('prodversion twice', `prodversion=1&prodversion=2&${app(victim)}`, 400, INVALID),
    check('prod twice', `prod=a&prod=b&${app(victim)}`, 400, INVALID),
    check('acceptformat twice', `acceptformat=crx3&acceptformat=crx2&${app(victim)}`, 400, INVALID),
    check('15 KB of unknown parameters and no x=', junk(15_000), 400, INVALID),
    // Node's HTTP parser stops request heads over 16 KiB before the app sees them: 431, no body
    // (src/http/client-errors.ts makes sure the answer arrives rather than a reset connection).
    check('a query just over 16 KiB', `${app(victim)}&${junk(16 * 1024)}`, 431, noInjectedHeader),
    check('a 100 KB query', `${app(victim)}&${junk(100_000)}`, 431, noInjectedHeader),
  );
  cases.push({
    category: 'gupdate',
    name: 'an Omaha 3 JSON check (POST), which Outpost does not speak',
    status: 404,
    code: 'NOT_FOUND',
    send: (t) => rawRequest(t.url, PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"request":{"app":[{"appid":"${victim}"}]}}`) }),
  });
  return cases;
}
