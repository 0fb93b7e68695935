import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import { parseInstallRdf } from '../../src/package/install-rdf.ts';
import { renderUpdateRdf } from '../../src/manifest/update-rdf.ts';
import { buildXpi, installRdf } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { MCCOY_VECTORS } from '../helpers/vectors.ts';

const FIREFOX = '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}';
const ID = 'demo@example.org';
const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.mjs');

function unsignedManifest(): string {
  return renderUpdateRdf([
    {
      id: ID,
      entries: ['1.0', '1.1'].map((version) => ({
        version,
        targets: [{ appId: FIREFOX, minVersion: '3.6', maxVersion: '56.*', updateLink: `https://u.example/${version}.xpi`, updateHash: `sha256:${'0'.repeat(64)}` }],
      })),
    },
  ]);
}

describe('outpost CLI', () => {
  it('runs the README session: create key → install-key → sign → verify', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'correct horse' });
    const created = await run('key', 'create', 'mykey');
    expect(created.code).toBe(0);
    const shown = await run('key', 'show', 'mykey');
    const updateKey = shown.stdout.trim();
    expect(updateKey).toMatch(/^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A[A-Za-z0-9+/=]+$/);

    writeFileSync(path.join(cwd, 'install.rdf'), installRdf({ id: ID, version: '1.0', targets: [{ id: FIREFOX, minVersion: '3.6', maxVersion: '56.*' }] }));
    const installed = await run('install-key', 'install.rdf', '--key', 'mykey', '--update-url', `https://u.example/updates/${ID}/update.rdf`);
    expect(installed.code).toBe(0);
    const manifest = parseInstallRdf(readFileSync(path.join(cwd, 'install.rdf')));
    expect(manifest.updateKey).toBe(updateKey);
    expect(manifest.updateURL).toBe(`https://u.example/updates/${ID}/update.rdf`);

    writeFileSync(path.join(cwd, 'update.rdf'), unsignedManifest());
    expect((await run('verify', 'update.rdf', '--install', 'install.rdf')).code).toBe(1);
    const signed = await run('sign', 'update.rdf', '--key', 'mykey');
    expect(signed.code).toBe(0);
    const verified = await run('verify', 'update.rdf', '--install', 'install.rdf');
    expect(verified).toMatchObject({ code: 0, stdout: `OK   ${ID} (sha512WithRSAEncryption)\n` });
    expect((await run('verify', 'update.rdf', '--update-key', updateKey)).code).toBe(0);

    // Any edit after signing is caught, as a client would.
    const text = readFileSync(path.join(cwd, 'update.rdf'), 'utf8');
    writeFileSync(path.join(cwd, 'edited.rdf'), text.replace('56.*', '57.*'));
    const edited = await run('verify', 'edited.rdf', '--install', 'install.rdf');
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/^FAIL demo@example.org: /);
  });

  it('adds the key to an XPI, changing only install.rdf, and verifies against the XPI', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'pw' });
    await run('key', 'create', 'k');
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version: '1.0', targets: [{ id: FIREFOX, minVersion: '3.6', maxVersion: '56.*' }] }), 'chrome/content/a.js': 'x()' });
    writeFileSync(path.join(cwd, 'a.xpi'), xpi);
    expect((await run('install-key', 'a.xpi', '--key', 'k', '-o', 'keyed.xpi')).code).toBe(0);
    const inspected = await run('inspect', 'keyed.xpi');
    expect(inspected.code).toBe(0);
    const info = JSON.parse(inspected.stdout);
    expect(info).toMatchObject({ id: ID, version: '1.0', format: 'install.rdf', updateKey: (await run('key', 'show', 'k')).stdout.trim() });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(path.join(cwd, 'update.rdf'), unsignedManifest());
    await run('sign', 'update.rdf', '--key', 'k', '-o', 'signed.rdf');
    expect((await run('verify', 'signed.rdf', '--install', 'keyed.xpi')).code).toBe(0);
  });

  it('signs a manifest McCoy wrote with an imported McCoy key, reproducing McCoy\'s output', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'pw' });
    const dir = path.join(MCCOY_VECTORS, 'mccoy-selftest-test4');
    writeFileSync(path.join(cwd, 'pass.txt'), 'keytest4\n');
    const imported = await run('key', 'import', 'mccoy', path.join(dir, 'test4.pem'), '--password-file', 'pass.txt');
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/warning: .*1024/);
    const original = readFileSync(path.join(dir, 'update.rdf'), 'utf8');
    const sigs = (xml: string) => [...xml.matchAll(/<em:signature>([^<]+)<\/em:signature>/g)].map((m) => m[1]);
    writeFileSync(path.join(cwd, 'update.rdf'), original.replace(/<em:signature>[^<]+<\/em:signature>/g, ''));
    expect((await run('sign', 'update.rdf', '--key', 'mccoy')).code).toBe(0);
    expect(sigs(readFileSync(path.join(cwd, 'update.rdf'), 'utf8'))).toEqual(sigs(original));
    expect((await run('verify', 'update.rdf', '--install', path.join(dir, 'install.rdf'), '--id', 'test2@tests.mccoy.mozilla.org')).code).toBe(0);
  });

  it('prints updateHash values', async () => {
    const { cwd, run } = cliRunner();
    writeFileSync(path.join(cwd, 'f.bin'), 'abc');
    expect((await run('hash', 'f.bin')).stdout).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n');
    expect((await run('hash', 'f.bin', '--algorithm', 'sha512')).stdout).toMatch(/^sha512:ddaf35a1/);
  });

  it('answers bad input with a one-line reason and a non-zero exit, never a stack trace', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'pw' });
    writeFileSync(path.join(cwd, 'junk.xpi'), 'not a zip at all');
    writeFileSync(path.join(cwd, 'bad.rdf'), '<!DOCTYPE x [<!ENTITY a "b">]><x/>');
    const cases: string[][] = [
      ['nonsense'],
      ['key', 'frobnicate'],
      ['key', 'show', 'missing'],
      ['key', 'create', '../evil'],
      ['key', 'create', 'k', '--bits', '1000'],
      ['inspect', 'junk.xpi'],
      ['inspect', 'nowhere.xpi'],
      ['hash', 'nowhere'],
      ['hash', 'junk.xpi', '--algorithm', 'md5'],
      ['sign', 'bad.rdf', '--key', 'k'],
      ['sign', 'junk.xpi'],
      ['verify', 'bad.rdf', '--update-key', 'AAAA'],
      ['verify', 'bad.rdf'],
      ['install-key', 'junk.xpi', '--key', 'nokey'],
      ['key', 'import', 'k2', 'junk.xpi'],
    ];
    for (const argv of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.code, argv.join(' ')).not.toBe(70);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.stderr, argv.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('documents every command with --help', async () => {
    const { run } = cliRunner();
    const overview = await run('--help');
    expect(overview.code).toBe(0);
    for (const cmd of commands) {
      expect(overview.stdout).toContain(cmd.usage);
      const help = await run(...cmd.path, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: outpost ${cmd.usage}`);
    }
  });

  it('works as the installed `outpost` binary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--help']);
    expect(stdout).toContain('Usage: outpost <command>');
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it('runs through a symlink from another folder, as `npm install -g <checkout>` installs it', async () => {
    // npm links <prefix>/bin/outpost to the checkout's bin and runs it from wherever the user is.
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'outpost-elsewhere-'));
    symlinkSync(BIN, path.join(elsewhere, 'outpost'));
    const { version } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const run = (...args: string[]) => promisify(execFile)(path.join(elsewhere, 'outpost'), args, { cwd: elsewhere, env: { PATH: process.env.PATH } });
    expect((await run('--version')).stdout).toBe(`${version}\n`);
    const noKeys = await run('key', 'list').catch((err: { code: number; stderr: string }) => err);
    expect(noKeys).toMatchObject({ code: 1, stderr: `outpost key list: no keys folder at ${path.join(realpathSync(elsewhere), 'keys')}; set OUTPOST_KEYS to the folder that holds the publisher keys [CLI_NO_KEYS_FOLDER]\n` });
  });
});
