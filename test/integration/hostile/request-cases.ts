/** Multipart and body-form tricks on the upload route, and traversal attempts on every public route. */
import { buildXpi, FIREFOX_ID, installRdf } from '../../helpers/build-xpi.ts';
import { MULTIPART_TYPE, multipartBody, rawRequest, type HostileCase, type HostileTarget, type RawAnswer } from './hostile-case.ts';

const valid = () => buildXpi({ 'install.rdf': installRdf({ id: 'attacker@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });

function post(t: HostileTarget, body: Buffer, headers: Record<string, string> = {}, withAuth = true, query = ''): Promise<RawAnswer> {
  return rawRequest(t.url, `/api/v1/packages${query}`, {
    method: 'POST',
    headers: { ...(withAuth ? { authorization: `Bearer ${t.token}` } : {}), 'content-type': MULTIPART_TYPE, ...headers },
    body,
  });
}

const caseOf =
  (category: string) =>
  (name: string, status: number, code: string | undefined, send: (t: HostileTarget) => Promise<RawAnswer>): HostileCase => ({
    category,
    name,
    status,
    ...(code ? { code } : {}),
    send,
  });

const multipart = caseOf('multipart');
const bodyCase = caseOf('body form');

export function multipartCases(): HostileCase[] {
  return [
    multipart('no token', 401, 'AUTH_REQUIRED', async (t) => post(t, multipartBody(await valid()), {}, false)),
    multipart('a token that does not exist', 401, 'AUTH_INVALID', async (t) => post(t, multipartBody(await valid()), { authorization: 'Bearer opt_forged0000000000000000000000000000' })),
    multipart('a token in the query string instead of the header', 401, 'AUTH_REQUIRED', async (t) =>
      rawRequest(t.url, `/api/v1/packages?token=${t.token}`, { method: 'POST', headers: { 'content-type': MULTIPART_TYPE }, body: multipartBody(await valid()) })),
    multipart('Basic credentials', 401, undefined, async (t) => post(t, multipartBody(await valid()), { authorization: 'Basic YWRtaW46YWRtaW4=' })),
    multipart('no file part', 400, 'PACKAGE_MISSING', (t) => post(t, multipartBody(undefined, { fields: { updateInfoURL: 'https://x/' } }))),
    multipart('the file under another field name', 400, 'UPLOAD_INVALID', async (t) => post(t, multipartBody(await valid(), { field: 'file' }))),
    multipart('two package parts', 400, 'UPLOAD_INVALID', async (t) => {
      const one = multipartBody(await valid());
      const parts = one.subarray(0, one.length - '--hostile-boundary-7d3f--\r\n'.length);
      return post(t, Buffer.concat([parts, multipartBody(await valid()).subarray(0)]));
    }),
    multipart('40 text fields', 400, 'UPLOAD_INVALID', async (t) =>
      post(t, multipartBody(await valid(), { fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, 'x'])) }))),
    multipart('a 100 KiB text field', 400, 'UPLOAD_INVALID', async (t) => post(t, multipartBody(await valid(), { fields: { updateInfoURL: 'x'.repeat(100 * 1024) } }))),
    multipart('a field name of 200 characters', 400, 'UPLOAD_INVALID', async (t) => post(t, multipartBody(await valid(), { fields: { ['n'.repeat(200)]: 'x' } }))),
    multipart('a package over the size limit', 413, 'UPLOAD_TOO_LARGE', (t) => post(t, multipartBody(Buffer.alloc(17 * 1024 * 1024, 0x41)))),
    multipart('a body cut off in the middle', 400, 'UPLOAD_INVALID', async (t) => post(t, multipartBody(await valid()).subarray(0, 300))),
    multipart('a boundary that never appears', 400, 'UPLOAD_INVALID', async (t) => post(t, await valid(), { 'content-type': 'multipart/form-data; boundary=nothere' })),
    multipart('multipart without a boundary', 400, 'UPLOAD_INVALID', async (t) => post(t, multipartBody(await valid()), { 'content-type': 'multipart/form-data' })),
    multipart('a JSON body', 400, 'PACKAGE_MISSING', (t) => post(t, Buffer.from('{"package":"x"}'), { 'content-type': 'application/json' })),
    multipart('a raw XPI body', 400, 'PACKAGE_MISSING', async (t) => post(t, await valid(), { 'content-type': 'application/x-xpinstall' })),
    multipart('updateInfoURL with javascript:', 400, 'UPDATE_INFO_URL_INVALID', async (t) => post(t, multipartBody(await valid(), { fields: { updateInfoURL: 'javascript:alert(1)' } }))),
    multipart('release notes for a traversal locale', 400, 'RELEASE_NOTES_INVALID', async (t) => post(t, multipartBody(await valid(), { fields: { 'releaseNotes.../../x': 'hello' } }))),
    multipart('an XPI named ../../../evil.jpl', 400, 'JPL_NO_MANIFEST', async (t) => post(t, multipartBody(await valid(), { fileName: '../../../evil.jpl' }))),
  ];
}

/** The body form: the package as the whole body, its name and fields in the query. */
function body(t: HostileTarget, query: string, data: Buffer, headers: Record<string, string> = {}, withAuth = true): Promise<RawAnswer> {
  return post(t, data, { 'content-type': 'application/octet-stream', ...headers }, withAuth, query);
}

export function bodyCases(): HostileCase[] {
  const named = '?name=addon.xpi';
  return [
    bodyCase('no token', 401, 'AUTH_REQUIRED', async (t) => body(t, named, await valid(), {}, false)),
    bodyCase('no name', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, '', await valid())),
    bodyCase('an empty name', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, '?name=', await valid())),
    bodyCase('a name with a path', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, `?name=${encodeURIComponent('../../../evil.jpl')}`, await valid())),
    bodyCase('a name with a backslash', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, '?name=..%5C..%5Cevil.xpi', await valid())),
    bodyCase('a name with a NUL byte', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, '?name=addon.xpi%00.jpl', await valid())),
    bodyCase('a name with a line break', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, '?name=addon%0D%0A.xpi', await valid())),
    bodyCase('a name of 300 bytes', 400, 'UPLOAD_NAME_INVALID', async (t) => body(t, `?name=${'a'.repeat(296)}.xpi`, await valid())),
    bodyCase('the name twice', 400, 'UPLOAD_INVALID', async (t) => body(t, '?name=a.xpi&name=b.jpl', await valid())),
    bodyCase('an unknown query parameter', 400, 'UPLOAD_INVALID', async (t) => body(t, `${named}&key=victim`, await valid())),
    bodyCase('a text content type', 400, 'PACKAGE_MISSING', async (t) => body(t, named, await valid(), { 'content-type': 'text/plain' })),
    bodyCase('a form-encoded body', 400, 'PACKAGE_MISSING', async (t) => body(t, named, await valid(), { 'content-type': 'application/x-www-form-urlencoded' })),
    bodyCase('an empty body', 400, 'PACKAGE_MISSING', (t) => body(t, named, Buffer.alloc(0))),
    bodyCase('a gzip-encoded body', 400, 'UPLOAD_INVALID', async (t) => body(t, named, await valid(), { 'content-encoding': 'gzip' })),
    bodyCase('a package over the size limit', 413, 'UPLOAD_TOO_LARGE', (t) => body(t, named, Buffer.alloc(17 * 1024 * 1024, 0x41))),
    bodyCase('a chunked package over the size limit', 413, 'UPLOAD_TOO_LARGE', (t) => body(t, named, Buffer.alloc(17 * 1024 * 1024, 0x41), { 'transfer-encoding': 'chunked' })),
    bodyCase('not a ZIP', 400, 'ZIP_INVALID', (t) => body(t, named, Buffer.from('just text'))),
    bodyCase('a ZIP named .jpl', 400, 'JPL_NO_MANIFEST', async (t) => body(t, '?name=evil.jpl', await valid())),
    bodyCase('updateInfoURL with javascript:', 400, 'UPDATE_INFO_URL_INVALID', async (t) => body(t, `${named}&updateInfoURL=javascript:alert(1)`, await valid())),
    bodyCase('release notes for a traversal locale', 400, 'RELEASE_NOTES_INVALID', async (t) => body(t, `${named}&releaseNotes.${encodeURIComponent('../../x')}=hello`, await valid())),
  ];
}

const route = (name: string, status: number | readonly number[], path: (t: HostileTarget) => string, method = 'GET', withAuth = false, code?: string): HostileCase => ({
  category: 'routes',
  name,
  status,
  ...(code ? { code } : {}),
  send: (t) => rawRequest(t.url, path(t), { method, headers: withAuth ? { authorization: `Bearer ${t.token}` } : {} }),
});

const NOT_FOUND = [400, 404] as const;

export function routeCases(): HostileCase[] {
  const enc = encodeURIComponent;
  const secrets = ['private/tokens.json', 'private/admins.json', 'private/audit.log'];
  const cases: HostileCase[] = [];
  const prefixes: [string, (t: HostileTarget) => string][] = [
    ['/files', () => '/files'],
    ['/updates', () => '/updates'],
    ['/updates/<victim>', (t) => `/updates/${enc(t.victimId)}`],
    ['/files/<victim>', (t) => `/files/${enc(t.victimId)}`],
    ['/notes', () => '/notes'],
    ['/jami', () => '/jami'],
    ['/jami/download', () => '/jami/download'],
    ['/jami/icons', () => '/jami/icons'],
    ['/chromium', () => '/chromium'],
    ['/vpn', () => '/vpn'],
    ['/feeds', () => '/feeds'],
    ['/feeds/<unknown secret>/files/<victim>', (t) => `/feeds/${'A'.repeat(43)}/files/${enc(t.victimId)}`],
    ['/feeds/<unknown secret>/updates', () => `/feeds/${'A'.repeat(43)}/updates`],
  ];
  const dotdots = ['../..', '%2e%2e/%2e%2e', '..%2f..%2f..', '%2e%2e%2f%2e%2e%2f%2e%2e', '%252e%252e/%252e%252e', '..%5c..%5c..', '%c0%ae%c0%ae/%c0%ae%c0%ae'];
  for (const [label, prefix] of prefixes) {
    for (const dots of dotdots) {
      cases.push(route(`${label}/${dots}/private/tokens.json`, NOT_FOUND, (t) => `${prefix(t)}/${dots}/${secrets[0]}`));
    }
  }
  cases.push(
    route('/files/.hidden dotfile', NOT_FOUND, () => '/files/.hidden'),
    // Feed secrets: anything but 43 base64url characters is no feed; an unknown one is no feed either.
    route('/feeds/<short secret>/updates/<victim>/update.rdf', NOT_FOUND, (t) => `/feeds/${'A'.repeat(42)}/updates/${enc(t.victimId)}/update.rdf`),
    route('/feeds/<long secret>/updates/<victim>/update.rdf', NOT_FOUND, (t) => `/feeds/${'A'.repeat(44)}/updates/${enc(t.victimId)}/update.rdf`),
    route('/feeds/<secret with %2f>/updates/<victim>/update.rdf', NOT_FOUND, (t) => `/feeds/${'A'.repeat(40)}%2f..%2f/updates/${enc(t.victimId)}/update.rdf`),
    route('/feeds/<secret with NUL>/files/<victim>', NOT_FOUND, (t) => `/feeds/${'A'.repeat(42)}%00/files/${enc(t.victimId)}/x.xpi`),
    route('/feeds/<huge secret>/', NOT_FOUND, () => `/feeds/${'A'.repeat(4000)}/update?id=x`),
    route('/feeds/../updates/<victim>/update.rdf', NOT_FOUND, (t) => `/feeds/%2e%2e/updates/${enc(t.victimId)}/update.rdf`),
    route('/updates/<victim>/update.rdf%00.json', NOT_FOUND, (t) => `/updates/${enc(t.victimId)}/update.rdf%00.json`),
    route('/update?id=../<victim>', NOT_FOUND, (t) => `/update?id=${enc(`../${t.victimId}`)}`),
    route('/update?id=<victim>&appID=..', [200], (t) => `/update?id=${enc(t.victimId)}&appID=..`),
    route('/updates/<victim>?appID=../../../private', [200], (t) => `/updates/${enc(t.victimId)}?appID=${enc('../../../private')}&appOS=tokens.json`),
    route('/updates/<victim>?appOS=../..', [200], (t) => `/updates/${enc(t.victimId)}?appID=${enc(FIREFOX_ID)}&appOS=${enc('../..')}&appABI=${enc('../../private')}`),
    route('/updates/<victim>?appVersion=../', [200], (t) => `/updates/${enc(t.victimId)}?appID=${enc(FIREFOX_ID)}&appVersion=${enc('../../x')}&compatMode=../`),
    route('/updates/<victim>?id[]=array', [200], (t) => `/updates/${enc(t.victimId)}?appID[]=a&appID[]=b&appVersion[x]=1`),
    route('/notes/<victim>/../../private', NOT_FOUND, (t) => `/notes/${enc(t.victimId)}/${enc('../../private')}/en`),
    route('/jami/details?id=../../private', NOT_FOUND, () => `/jami/details?id=${enc('../../private/tokens.json')}`),
    route('/jami/download/<traversal>', NOT_FOUND, () => `/jami/download/${enc('../../private')}/x`),
    route('/jami/icons/<traversal>', NOT_FOUND, () => `/jami/icons/${enc('../private')}`),
    route('/jami/backgrounds/<traversal>', NOT_FOUND, () => `/jami/backgrounds/${enc('../../../etc/passwd')}`),
    route('/chromium/updates.xml?x=<traversal id>', [400], () => `/chromium/updates.xml?x=${enc(`id=${'../'.repeat(8)}private&v=1.0`)}`, 'GET', false, 'CRX_UPDATE_QUERY_INVALID'),
    route('/chromium/updates.xml with a raw ../ in x', [400], () => '/chromium/updates.xml?x=id%3D../../private/tokens.json', 'GET', false, 'CRX_UPDATE_QUERY_INVALID'),
    route('/chromium/updates.xml/../../private', NOT_FOUND, () => '/chromium/updates.xml/..%2f..%2fprivate/tokens.json'),
    route('/updates/<traversal>/updates.xml', NOT_FOUND, () => `/updates/${enc('../private')}/updates.xml`),
    route('/vpn/ atomic-write temp file', NOT_FOUND, () => '/vpn/.manifest.json.0123456789ab.tmp'),
    route('DELETE /api/v1/vpn/<traversal> with a token', NOT_FOUND, () => `/api/v1/vpn/${enc('../../private/tokens.json')}`, 'DELETE', true),
    route('/api/v1/addons/<traversal> with a token', NOT_FOUND, () => `/api/v1/addons/${enc('../../private/tokens.json')}`, 'GET', true),
    route('DELETE a victim version with the attacker token', [403], (t) => `/api/v1/addons/${enc(t.victimId)}/versions/${enc(t.victimVersion)}`, 'DELETE', true, 'ADDON_OWNED_BY_OTHER_KEY'),
    route('DELETE a traversal version of the victim', [403, 404], (t) => `/api/v1/addons/${enc(t.victimId)}/versions/${enc('../../x')}`, 'DELETE', true),
    route('DELETE without a token', [401], (t) => `/api/v1/addons/${enc(t.victimId)}/versions/${enc(t.victimVersion)}`, 'DELETE', false, 'AUTH_REQUIRED'),
    // The admin guard answers strangers with a redirect to sign-in, whatever the path holds.
    route('/admin/../api/v1/addons without a token', [302, 401, 404], () => '/admin/../api/v1/addons'),
    route('/admin/%2e%2e/private', [302, 404], () => '/admin/%2e%2e/private/tokens.json'),
    route('a request line with a full URL to another host', NOT_FOUND, () => 'http://evil.example/private/tokens.json'),
    route('malformed percent-encoding in an add-on id', NOT_FOUND, () => '/updates/%E0%A4%A'),
    route('malformed percent-encoding in a file name', NOT_FOUND, () => '/files/%ff%fe/%zz'),
    route('malformed percent-encoding in the notes route', NOT_FOUND, () => '/notes/%E0%A4%A/1.0/en'),
    route('malformed percent-encoding in a query', [200, 400, 404], (t) => `/updates/${enc(t.victimId)}?appID=%E0%A4%A&appVersion=%`),
    route('a 20 KB request path', [400, 404, 414, 431], () => `/files/${'a'.repeat(20_000)}`),
    route('an add-on id of 5 000 characters in the query', NOT_FOUND, () => `/update?id=${'a'.repeat(5000)}@x`),
    route('a thousand query parameters', [200, 400, 404], (t) => `/updates/${enc(t.victimId)}?${Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&')}`),
  );
  return cases;
}
