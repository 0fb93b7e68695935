import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCrx3 } from '../../src/crx/crx3-read.ts';
import { extensionIdOf } from '../../src/crx/extension-id.ts';
import { MANIFEST } from '../../src/limits.ts';
import { openZip } from '../../src/package/zip-reader.ts';
import { cliRunner } from '../helpers/cli.ts';
import { buildExtensionZip, extensionManifest, handMadeCrx } from '../helpers/crx-build.ts';
import { rawZip } from '../helpers/raw-zip.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';

const UNIX = (mode: number) => (mode << 16) >>> 0;
const MANIFEST_TEXT = '{\n\t"manifest_version": 3,\n\t// shown in chrome://extensions\n\t"name": "Demo",\n\t"version": "1.4"\n}\n';

/** Every entry of a ZIP: metadata and bytes, by name, in order. */
async function entriesOf(zip: Buffer) {
  const archive = await openZip(zip);
  try {
    const out = [];
    for (const e of archive.entries) {
      const data = e.isDirectory ? undefined : await archive.read(e.name);
      out.push({ name: e.name, isDirectory: e.isDirectory, method: e.compressionMethod, time: e.lastModified.getTime(), ext: e.hasExtendedTimestamp, mode: e.unixMode, data });
    }
    return { entries: out, comment: archive.comment.toString('latin1') };
  } finally {
    archive.close();
  }
}

describe('outpost chromium-url', () => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    server = await startServer();
    url = `${server.url}/chromium/updates.xml`;
  });
  afterAll(() => server?.close());
  // Signing with the server's own publisher key, as a publisher on the server's machine would.
  const runner = () => cliRunner({ OUTPOST_KEYS: path.join(server.dir, 'keys'), OUTPOST_KEY_PASSPHRASE: 'test passphrase' });

  it('edits a folder\'s manifest.json in place, keeping its layout, comments and permissions', async () => {
    const { cwd, run } = runner();
    mkdirSync(path.join(cwd, 'ext'));
    writeFileSync(path.join(cwd, 'ext', 'manifest.json'), MANIFEST_TEXT);
    writeFileSync(path.join(cwd, 'ext', 'bg.js'), 'chrome.runtime.id;\n');
    chmodSync(path.join(cwd, 'ext', 'manifest.json'), 0o600);

    const res = await run('chromium-url', 'ext', '--update-url', url);
    const manifest = path.join(cwd, 'ext', 'manifest.json');
    expect(res).toEqual({ code: 0, stdout: `Wrote update_url ${url} → ${manifest}\n`, stderr: '' });
    expect(readFileSync(manifest, 'utf8')).toBe(MANIFEST_TEXT.replace('"1.4"', `"1.4",\n\t"update_url": "${url}"`));
    expect(statSync(manifest).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(cwd, 'ext')).sort()).toEqual(['bg.js', 'manifest.json']); // no temp file left

    // Again, with the key: the same update_url stays where it is, "key" joins it.
    const keyed = await run('chromium-url', 'ext/manifest.json', '--update-url', url, '--key', 'default');
    const id = extensionIdOf(Buffer.from(server.updateKey, 'base64'));
    expect(keyed.stdout).toBe(`Wrote update_url ${url} and key of default (id ${id}) → ${manifest}\n`);
    expect(JSON.parse(readFileSync(manifest, 'utf8').replace(/^\t\/\/.*\n/m, ''))).toEqual({ ...extensionManifest({ name: 'Demo', version: '1.4' }), update_url: url, key: server.updateKey });
  });

  it('writes a ZIP in which only manifest.json differs, which the server packs and serves with update_url', async () => {
    const { cwd, run } = runner();
    const original = rawZip(
      [
        { name: 'manifest.json', data: MANIFEST_TEXT, method: 8, dosDate: 0x5a21, dosTime: 0x4c2e },
        { name: 'icons/', externalAttributes: UNIX(0o40755) },
        { name: 'icons/16.png', data: randomBytes(700), dosDate: 0x4d6f, dosTime: 0x8421, externalAttributes: UNIX(0o100600) },
        { name: 'bg.js', data: 'chrome.runtime.onInstalled.addListener(() => {});\n'.repeat(20), method: 8, externalAttributes: UNIX(0o100755) },
      ],
      { comment: 'made by hand' },
    );
    writeFileSync(path.join(cwd, 'ext.zip'), original);
    const res = await run('chromium-url', 'ext.zip', '--update-url', url, '--key', 'default', '-o', 'ready.zip');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^Wrote update_url ${url} and key of default \\(id [a-p]{32}\\) → ${path.join(cwd, 'ready.zip')}\n$`));
    expect(readFileSync(path.join(cwd, 'ext.zip')).equals(original)).toBe(true);

    const ready = readFileSync(path.join(cwd, 'ready.zip'));
    const before = await entriesOf(original);
    const after = await entriesOf(ready);
    expect(after.comment).toBe(before.comment);
    const withoutManifestData = (e: (typeof before.entries)[number]) => (e.name === 'manifest.json' ? { ...e, data: 'edited' } : e);
    expect(after.entries.map(withoutManifestData)).toEqual(before.entries.map(withoutManifestData));
    const edited = after.entries[0]!.data!.toString();
    expect(edited).toBe(MANIFEST_TEXT.replace('"1.4"', `"1.4",\n\t"update_url": "${url}",\n\t"key": "${server.updateKey}"`));

    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(ready)]), 'ready.zip');
    const upload = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    const body = (await upload.json()) as { id: string; links: { download: string } };
    expect(upload.status, JSON.stringify(body)).toBe(201);
    expect(res.stdout).toContain(`(id ${body.id})`);
    const crx = (await rawGet(body.links.download)).body;
    const served = await openZip(crx.subarray(readCrx3(crx).zipOffset));
    const manifest = JSON.parse((await served.read('manifest.json')).toString().replace(/^\t\/\/.*\n/m, ''));
    served.close();
    expect(manifest).toMatchObject({ update_url: url, key: server.updateKey, version: '1.4' });

    // Without -o the ZIP is replaced.
    expect((await run('chromium-url', 'ext.zip', '--update-url', 'https://other.example/u.xml')).code).toBe(0);
    const replaced = await entriesOf(readFileSync(path.join(cwd, 'ext.zip')));
    expect(JSON.parse(replaced.entries[0]!.data!.toString().replace(/^\t\/\/.*\n/m, '')).update_url).toBe('https://other.example/u.xml');
  });

  it('refuses bad input with a one-line reason and writes nothing', async () => {
    const { cwd, run } = runner();
    const folder = (name: string, manifest: string | Buffer) => {
      mkdirSync(path.join(cwd, name));
      writeFileSync(path.join(cwd, name, 'manifest.json'), manifest);
    };
    folder('ok', MANIFEST_TEXT);
    folder('notjson', '{"manifest_version": 3, "name": "T", "version": "1",}');
    folder('noversion', '{"manifest_version": 3, "name": "T"}');
    folder('nomv', '{"name": "T", "version": "1"}');
    folder('huge', `{"manifest_version": 3, "name": "T", "version": "1", "x": "${'x'.repeat(MANIFEST.maxBytes)}"}`);
    mkdirSync(path.join(cwd, 'empty'));
    const zip = async (name: string, files: Record<string, string>) => writeFileSync(path.join(cwd, name), await buildExtensionZip(extensionManifest(), files));
    await zip('ok.zip', {});
    writeFileSync(path.join(cwd, 'nomanifest.zip'), rawZip([{ name: 'ext/manifest.json', data: MANIFEST_TEXT }]));
    writeFileSync(path.join(cwd, 'badmanifest.zip'), rawZip([{ name: 'manifest.json', data: '{"name": "T", "version": "1"}' }]));
    writeFileSync(path.join(cwd, 'ext.crx'), handMadeCrx(await buildExtensionZip()));
    writeFileSync(path.join(cwd, 'notes.txt'), 'hello');
    const before = snapshotTree(cwd);

    const cases: [string[], RegExp][] = [
      [['ok'], /--update-url <URL> is required/],
      [['ok', '--update-url', 'ftp://example.org/u.xml'], /\[UPDATE_URL_INVALID\]/],
      [['ok', '--update-url', '/chromium/updates.xml'], /\[UPDATE_URL_INVALID\]/],
      [['ok', '--update-url', url, '--key', 'nosuchkey'], /nosuchkey/],
      [['ok', '--update-url', url, '-o', 'out.zip'], /is a folder/],
      [['notjson', '--update-url', url], /not valid JSON.*\[CRX_MANIFEST_INVALID\]/],
      [['noversion', '--update-url', url], /\[CRX_MANIFEST_VERSION_INVALID\]/],
      [['nomv', '--update-url', url], /manifest_version.*\[CRX_MANIFEST_INVALID\]/],
      [['huge', '--update-url', url], /larger than 1048576 bytes/],
      [['empty', '--update-url', url], /empty\/manifest\.json: no such file/],
      [['missing.zip', '--update-url', url], /missing\.zip: no such file/],
      [['nomanifest.zip', '--update-url', url, '-o', 'out.zip'], /no manifest\.json at its top level.*\[CRX_MANIFEST_INVALID\]/],
      [['badmanifest.zip', '--update-url', url, '-o', 'out.zip'], /\[CRX_MANIFEST_INVALID\]/],
      [['ext.crx', '--update-url', url], /signed CRX/],
      [['notes.txt', '--update-url', url], /neither a folder, a ZIP nor a manifest\.json/],
    ];
    for (const [args, message] of cases) {
      const r = await run('chromium-url', ...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(snapshotTree(cwd)).toEqual(before);
  });
});
