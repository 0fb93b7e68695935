import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderIndex, signIndex, verifyIndex } from '../../../src/vpn/vpn-index.ts';
import { requireTool } from '../../helpers/system-tools.ts';
import { fixture } from './vpn-fixtures.ts';

/**
 * The index signature as the shared spec says anyone can check it, with the real openssl:
 * `openssl dgst -sha256 -verify pub.pem -signature manifest.json.sig manifest.json`, and the other
 * way round, a signature openssl makes verifies here. Under CI=true a missing openssl fails.
 */
const haveOpenssl = requireTool('openssl');

describe.skipIf(!haveOpenssl)('the index signature and openssl', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-vpn-index-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string): string => path.join(dir, name);

  // The size Mozilla's production key has.
  const key = crypto.generateKeyPairSync('rsa', { modulusLength: 4096 });
  writeFileSync(file('pub.pem'), key.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(file('key.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const rcc = fixture('zstd');
  const index = renderIndex({
    addons: [{ id: 'message_demo', sha256: crypto.createHash('sha256').update(rcc).digest('hex') }],
    serial: 1,
    expires: new Date('2030-01-01T00:00:00Z'),
  });

  it('openssl verifies manifest.json.sig', () => {
    writeFileSync(file('manifest.json'), index);
    writeFileSync(file('manifest.json.sig'), signIndex(index, key.privateKey));
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('manifest.json.sig'), file('manifest.json')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
  });

  it('openssl refuses manifest.json.sig for a changed manifest.json', () => {
    writeFileSync(file('changed.json'), Buffer.concat([index, Buffer.from(' ')]));
    writeFileSync(file('manifest.json.sig'), signIndex(index, key.privateKey));
    expect(() => execFileSync('openssl', ['dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('manifest.json.sig'), file('changed.json')], { stdio: 'pipe' })).toThrow();
  });

  it('verifyIndex accepts what openssl signs', () => {
    writeFileSync(file('manifest.json'), index);
    execFileSync('openssl', ['dgst', '-sha256', '-sign', file('key.pem'), '-out', file('openssl.sig'), file('manifest.json')]);
    const signature = readFileSync(file('openssl.sig'));
    expect(signature.equals(signIndex(index, key.privateKey))).toBe(true);
    expect(verifyIndex(index, signature, key.publicKey, { minSerial: 1, now: new Date('2029-01-01T00:00:00Z') }).addons).toHaveLength(1);
  });
});
