import crypto from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCrx3 } from '../../../src/crx/crx3-read.ts';
import { crxSignerFromPrivateKey, signCrx3 } from '../../../src/crx/crx3-sign.ts';
import { extensionIdOf } from '../../../src/crx/extension-id.ts';
import {
  buildExtensionZip,
  ecKey,
  extensionManifest,
  handMadeCrx,
  idOf,
  proofField,
  rsaKey,
  spkiOf,
  unitExponentCrx,
} from '../../helpers/crx-build.ts';
import { chromiumInstallExternal, chromiumPack, chromiumVersion } from '../../helpers/crx-chromium.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';
import { requireTool } from '../../helpers/system-tools.ts';

/**
 * Real Chromium as the oracle (test/helpers/crx-chromium.ts): its packer's output must read back with
 * the id Chromium derives, Outpost's writer must reproduce it byte for byte from the same ZIP and key,
 * and Chromium's own installer must agree with Outpost's reader on what to accept and what to refuse.
 */
const hasChromium = requireTool('chromium');

/** The id Outpost's reader finds, or the code it refuses with. */
function readOutcome(crx: Buffer): string {
  try {
    return readCrx3(crx).id;
  } catch {
    return crxCodeOfSync(() => readCrx3(crx));
  }
}

describe.skipIf(!hasChromium)('CRX3 against real Chromium', () => {
  let work: string;
  const developer = rsaKey('chromium-pack');
  let packed: Buffer;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'outpost-crx-'));
    const extension = path.join(work, 'hello');
    await mkdir(path.join(extension, 'icons'), { recursive: true });
    await writeFile(path.join(extension, 'manifest.json'), JSON.stringify(extensionManifest({ name: 'Packed by Chromium', version: '1.2.3', minimum_chrome_version: '100' })));
    await writeFile(path.join(extension, 'background.js'), 'chrome.runtime.onInstalled.addListener(() => {});\n');
    await writeFile(path.join(extension, 'icons', 'data.bin'), crypto.randomBytes(5000));
    const pem = path.join(work, 'key.pem');
    await writeFile(pem, developer.export({ type: 'pkcs8', format: 'pem' }));
    packed = await chromiumPack(extension, pem);
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reads what `chromium --pack-extension` writes: the key\'s id, every proof verified', async () => {
    const read = readCrx3(packed);
    expect(read.developerKeySpki).toEqual(spkiOf(developer));
    expect(read.id).toBe(extensionIdOf(spkiOf(developer)));
    expect(read.id).toBe(idOf(spkiOf(developer)));
    expect(read.proofs.map((p) => p.algorithm)).toEqual(['sha256_with_rsa']);
    expect(read.verifiedContents).toBeUndefined();
    console.info(`packed by ${await chromiumVersion()}: ${packed.length} bytes, id ${read.id}`);
  });

  it('writes the same bytes as Chromium for the same ZIP and key', () => {
    const { zipOffset } = readCrx3(packed);
    const mine = signCrx3(packed.subarray(zipOffset), crxSignerFromPrivateKey(developer));
    expect(mine.equals(packed)).toBe(true);
  });

  it('agrees with Chromium\'s installer on what to accept and what to refuse', async () => {
    const zipFor = (name: string, version: string) => buildExtensionZip(extensionManifest({ name, version }));
    const makeCase = async (label: string, version: string, build: (zip: Buffer) => Buffer, id: string) => {
      const crx = build(await zipFor(label, version));
      const crxPath = path.join(work, `${label}.crx`);
      await writeFile(crxPath, crx);
      return { label, id, version, crxPath, crx };
    };
    const unit = unitExponentCrx(await zipFor('unit-exponent', '2.5'));
    const [written, withEcdsa, tampered, wrongId, bogusProof, unitExponent] = await Promise.all([
      // Outpost's writer on a ZIP Chromium never saw.
      makeCase('written', '2.0', (zip) => signCrx3(zip, crxSignerFromPrivateKey(rsaKey('w'))), idOf(spkiOf(rsaKey('w')))),
      // A developer proof plus a valid P-256 proof, as the Web Store adds its own.
      makeCase('with-ecdsa', '2.1', (zip) => handMadeCrx(zip, { signers: [rsaKey('e'), ecKey('e')] }), idOf(spkiOf(rsaKey('e')))),
      // One ZIP byte changed after signing.
      makeCase('tampered', '2.2', (zip) => {
        const crx = signCrx3(zip, crxSignerFromPrivateKey(rsaKey('t')));
        crx[crx.length - 30] = crx[crx.length - 30]! ^ 1;
        return crx;
      }, idOf(spkiOf(rsaKey('t')))),
      // Signed by one key, claiming another key's id (offered under the signer's id).
      makeCase('wrong-id', '2.3', (zip) => handMadeCrx(zip, { signers: [rsaKey('s')], idKey: rsaKey('claimed') }), idOf(spkiOf(rsaKey('s')))),
      // A good developer proof and a second RSA proof whose signature is garbage.
      makeCase('bogus-proof', '2.4', (zip) => handMadeCrx(zip, {
        signers: [rsaKey('b')],
        extra: proofField('rsa', spkiOf(rsaKey('x')), crypto.randomBytes(256)),
      }), idOf(spkiOf(rsaKey('b')))),
      // Public exponent 1, where the padded hash is the "signature": OpenSSL verifies it, BoringSSL refuses the key.
      makeCase('unit-exponent', '2.5', () => unit.crx, idOf(unit.spki)),
    ]);
    const cases = [written, withEcdsa, tampered, wrongId, bogusProof, unitExponent];

    const outpost = Object.fromEntries(cases.map((c) => [c.label, readOutcome(c.crx)]));
    expect(outpost).toEqual({
      written: written.id,
      'with-ecdsa': withEcdsa.id,
      tampered: 'CRX_PROOF_INVALID',
      'wrong-id': 'CRX_ID_MISMATCH',
      'bogus-proof': 'CRX_PROOF_INVALID',
      'unit-exponent': 'CRX_KEY_UNSUPPORTED',
    });

    const chromium = await chromiumInstallExternal(cases);
    const installed = Object.fromEntries(cases.map((c) => [c.label, chromium.get(c.id)!.installed]));
    expect(installed).toEqual({ written: true, 'with-ecdsa': true, tampered: false, 'wrong-id': false, 'bogus-proof': false, 'unit-exponent': false });
    const reasons = cases.flatMap((c) => {
      const outcome = chromium.get(c.id)!;
      return outcome.installed ? [] : [outcome.error];
    });
    console.info(`Chromium refused with: ${[...new Set(reasons)].join(' | ')}`);
    expect(reasons.join(' ')).toMatch(/CRX_SIGNATURE_VERIFICATION_FAILED/);
    expect(reasons.join(' ')).toMatch(/CRX_REQUIRED_PROOF_MISSING/);
    expect(reasons.join(' ')).toMatch(/CRX_SIGNATURE_VERIFICATION_INITIALIZATION_FAILED/);
  }, 90_000);
});
