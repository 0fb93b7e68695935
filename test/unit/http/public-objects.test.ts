import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorHandler, notFound } from '../../../src/http/error-handler.ts';
import { publicKeyOf, storeSender } from '../../../src/http/public-objects.ts';
import { storedFiles } from '../../../src/http/routes/served-files.ts';
import { ObjectStoreError, type ObjectStore } from '../../../src/storage/objects/object-store.ts';

describe('the public reader of a bucket deployment', () => {
  it('maps request paths to public keys, refusing anything outside the grammar', () => {
    expect(publicKeyOf('public/files', '/a%40b/a-1.0.xpi')).toBe('public/files/a@b/a-1.0.xpi');
    expect(publicKeyOf('public/vpn', '/manifest.json.sig')).toBe('public/vpn/manifest.json.sig');
    for (const hostile of ['/', '/../private/tokens.json', '/%2e%2e/x', '/a%2Fb/c.xpi', '/.x/y', '/a//b', '/%E0%A4%A', '/a\\b/c']) {
      expect([hostile, publicKeyOf('public/files', hostile)]).toEqual([hostile, undefined]);
    }
  });

  it('answers 503 STORAGE_UNAVAILABLE when the store fails, never a 500', async () => {
    const failing = {
      location: 's3://down/',
      get: async () => {
        throw new ObjectStoreError('STORAGE_UNAVAILABLE', 'reading failed (ECONNREFUSED).');
      },
      head: async () => {
        throw new ObjectStoreError('STORAGE_UNAVAILABLE', 'reading failed (ECONNREFUSED).');
      },
    } as unknown as ObjectStore;
    const app = express();
    app.use(storedFiles(storeSender(failing), ['/vpn']));
    app.use(notFound);
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const [pathname, headers] of [['/files/a/a-1.0.xpi', {}], ['/files/a/a-1.0.xpi', { range: 'bytes=0-1' }], ['/vpn/manifest.json', {}]] as const) {
        const res = await fetch(`${base}${pathname}`, { headers });
        expect([pathname, res.status, res.headers.get('retry-after')]).toEqual([pathname, 503, '5']);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('STORAGE_UNAVAILABLE');
      }
      expect((await fetch(`${base}/files/../private/tokens.json`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
