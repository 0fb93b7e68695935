import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUpdateRdf } from '../../../src/manifest/update-rdf.ts';
import { FIREFOX_ID, installRdf } from '../../helpers/build-xpi.ts';
import { cliRunner } from '../../helpers/cli.ts';

function auditEntries(cwd: string): Array<Record<string, unknown>> {
  return readFileSync(path.join(cwd, 'storage/private/audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('outpost run outside a server folder', () => {
  it('says that the keys folder is missing instead of asking for a passphrase', async () => {
    const { cwd, run } = cliRunner();
    const targets = [{ appId: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*', updateLink: 'https://u.example/a.xpi', updateHash: `sha256:${'0'.repeat(64)}` }];
    writeFileSync(path.join(cwd, 'update.rdf'), renderUpdateRdf([{ id: 'a@example.org', entries: [{ version: '1.0', targets }] }]));
    writeFileSync(path.join(cwd, 'install.rdf'), installRdf({ id: 'a@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }));
    const keys = path.join(cwd, 'keys');
    for (const argv of [['key', 'list'], ['key', 'show', 'k'], ['sign', 'update.rdf', '--key', 'k'], ['install-key', 'install.rdf', '--key', 'k'], ['token', 'create', '--key', 'k']]) {
      const out = await run(...argv);
      expect(out.code, argv.join(' ')).toBe(1);
      expect(out.stderr, argv.join(' ')).toBe(`outpost ${argv[0] === 'key' || argv[0] === 'token' ? argv.slice(0, 2).join(' ') : argv[0]}: no keys folder at ${keys}; set OUTPOST_KEYS to the folder that holds the publisher keys [CLI_NO_KEYS_FOLDER]\n`);
    }
    // The message names the folder OUTPOST_KEYS points at.
    const elsewhere = await cliRunner({ OUTPOST_KEYS: '/nonexistent/outpost-keys' }).run('key', 'list');
    expect(elsewhere.stderr).toContain('no keys folder at /nonexistent/outpost-keys;');
  });

  it('refuses token commands without a data folder rather than creating an empty one', async () => {
    const { cwd, run } = cliRunner();
    const out = await run('token', 'list');
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toBe(`outpost token list: no data folder at ${path.join(cwd, 'storage')}; set OUTPOST_DATA to the server's data folder [CLI_NO_DATA_FOLDER]\n`);
    expect(existsSync(path.join(cwd, 'storage'))).toBe(false);
  });
});

describe('audit entries of CLI changes', () => {
  it('records key, token and admin changes with actor cli, never a secret', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'pw' });
    mkdirSync(path.join(cwd, 'storage/private'), { recursive: true });
    expect((await run('key', 'create', 'k1')).code).toBe(0);
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(path.join(cwd, 'k2.pem'), pem);
    expect((await run('key', 'import', 'k2', 'k2.pem')).code).toBe(0);
    const created = await run('token', 'create', '--key', 'k1', '--label', 'ci');
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split('\n').pop()!;
    const id = token.slice(4, 16);
    expect((await run('token', 'revoke', id)).code).toBe(0);
    writeFileSync(path.join(cwd, 'pw1'), 'first password 123\n');
    writeFileSync(path.join(cwd, 'pw2'), 'second password 456\n');
    expect((await run('admin', 'create', 'carol', '--password-file', 'pw1')).code).toBe(0);
    expect((await run('admin', 'passwd', 'carol', '--password-file', 'pw2')).code).toBe(0);

    const entries = auditEntries(cwd);
    expect(entries.map((e) => [e.actor, e.action, e.target])).toEqual([
      ['cli', 'key-create', 'k1'],
      ['cli', 'key-import', 'k2'],
      ['cli', 'token-create', id],
      ['cli', 'token-revoke', id],
      ['cli', 'admin-create', 'carol'],
      ['cli', 'admin-passwd', 'carol'],
    ]);
    expect(entries[0]!.details).toEqual({ bits: 2048 });
    expect(entries[2]!.details).toEqual({ key: 'k1', label: 'ci' });
    for (const e of entries) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const log = readFileSync(path.join(cwd, 'storage/private/audit.log'), 'utf8');
    for (const secret of [token, token.slice(17), 'first password', 'second password', 'PRIVATE KEY', 'pw']) expect(log).not.toContain(secret);
  });

  it('creates no data folder for a key made without a server, and says the change is in no audit log', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'pw' });
    const out = await run('key', 'create', 'solo');
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`note: no data folder at ${path.join(cwd, 'storage')} (OUTPOST_DATA), so this is in no audit log`);
    expect(existsSync(path.join(cwd, 'storage'))).toBe(false);
  });
});
