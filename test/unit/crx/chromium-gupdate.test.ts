import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crxSignerFromPrivateKey, signCrx3 } from '../../../src/crx/crx3-sign.ts';
import { parseGupdateQuery, type GupdateQuery } from '../../../src/crx/gupdate-request.ts';
import { answerGupdateQuery, renderGupdateResponse, type GupdateCandidate } from '../../../src/crx/gupdate-response.ts';
import { buildExtensionZip, extensionManifest, rsaKey } from '../../helpers/crx-build.ts';
import { installRefusals, isInstalled, withExternalExtensions } from '../../helpers/crx-chromium.ts';
import { requireTool } from '../../helpers/system-tools.ts';

/**
 * A real Chromium sends its gupdate check to a throw-away server built from parseGupdateQuery and
 * renderGupdateResponse (no Outpost server involved), then downloads, checks and installs what the
 * answer offers. The profile's "External Extensions" entry {"external_update_url": …} makes Chromium
 * check at start, with no enterprise policy. --enable-crx-hash-check makes hash_sha256 binding.
 */
const hasChromium = requireTool('chromium');

describe.skipIf(!hasChromium)('gupdate against real Chromium', () => {
  const good = crxSignerFromPrivateKey(rsaKey('gupdate-good'));
  const badHash = crxSignerFromPrivateKey(rsaKey('gupdate-bad-hash'));
  const tooNew = crxSignerFromPrivateKey(rsaKey('gupdate-too-new'));
  const packages = new Map<string, Buffer>();
  const candidates = new Map<string, GupdateCandidate[]>();
  const queries: GupdateQuery[] = [];
  const downloads: string[] = [];
  let server: http.Server;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/updates.xml') {
        const query = parseGupdateQuery(url.search);
        queries.push(query);
        res.writeHead(200, { 'content-type': 'text/xml' }).end(renderGupdateResponse(answerGupdateQuery(query, candidates)));
        return;
      }
      const crx = packages.get(url.pathname);
      if (crx) downloads.push(url.pathname);
      res.writeHead(crx ? 200 : 404, { 'content-type': 'application/x-chrome-extension' }).end(crx);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const offer = async (signer: typeof good, version: string, opts: { minimumChromeVersion?: string; wrongHash?: boolean } = {}) => {
      const crx = signCrx3(await buildExtensionZip(extensionManifest({ version })), signer);
      const file = `/${signer.extensionId}-${version}.crx`;
      packages.set(file, crx);
      const sha256 = crypto.createHash('sha256').update(opts.wrongHash ? Buffer.from('other bytes') : crx).digest('hex');
      const list = candidates.get(signer.extensionId) ?? [];
      list.push({ version, codebase: `${base}${file}`, sha256, size: crx.length, minimumChromeVersion: opts.minimumChromeVersion });
      candidates.set(signer.extensionId, list);
    };
    await offer(good, '1.0');
    await offer(good, '3.1', { minimumChromeVersion: '100' }); // the newest this browser can run
    await offer(good, '9.0', { minimumChromeVersion: '99999' }); // needs a newer browser
    await offer(badHash, '1.0', { wrongHash: true });
    await offer(tooNew, '1.0', { minimumChromeVersion: '99999' });
  });

  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('installs the newest version the browser can run, and only with the right hash', async () => {
    const updateUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/updates.xml`;
    const entries = Object.fromEntries([good, badHash, tooNew].map((s) => [s.extensionId, { external_update_url: updateUrl }]));
    // Settled once the good package is in and the one with the wrong hash has been refused.
    const result = await withExternalExtensions(
      entries,
      (profile, log) => isInstalled(profile, good.extensionId, '3.1') && installRefusals(log).length > 0,
      { args: ['--enable-crx-hash-check'] },
    );
    expect(installRefusals(result.log)).toEqual(['CRX_HASH_VERIFICATION_FAILED']);
    expect(result.installed(good.extensionId, '3.1')).toBe(true);
    expect(result.installed(badHash.extensionId, '1.0')).toBe(false);
    expect(result.installed(tooNew.extensionId, '1.0')).toBe(false);
    expect(downloads).not.toContain(`/${tooNew.extensionId}-1.0.crx`);
    expect(downloads).not.toContain(`/${good.extensionId}-9.0.crx`);

    // Chromium checks extensions that share an update URL in one request, one x= each.
    expect(queries.some((q) => q.apps.length > 1)).toBe(true);
    const apps = queries.flatMap((q) => q.apps);
    expect(new Set(apps.map((a) => a.id))).toEqual(new Set([good.extensionId, badHash.extensionId, tooNew.extensionId]));
    expect(apps.every((a) => a.installedVersion === undefined && a.installSource === 'notfromwebstore')).toBe(true);
    expect(queries[0]!.prodVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(queries[0]!.acceptFormat).toContain('crx3');
  }, 90_000);
});
