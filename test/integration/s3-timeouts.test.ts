import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../src/storage/objects/object-store.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';

/**
 * A gateway that accepts connections and never answers (hung, or a black-holed load balancer):
 * every call must fail with STORAGE_UNAVAILABLE once its timeout passes, not wait forever while a
 * lease or a publish hangs on it. The timeouts are injected short; no answer ever comes, so the
 * outcome does not depend on the machine's speed.
 */
describe('an S3 gateway that never answers', () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let objects: S3Objects;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const s3 = { region: 'us-east-1', forcePathStyle: true, endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    objects = new S3Objects({ bucket: 'hung', prefix: '' }, s3, { connectMs: 200, requestMs: 200 });
  });

  afterAll(async () => {
    await objects.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a conditional write with STORAGE_UNAVAILABLE', { timeout: 15_000 }, async () => {
    const bytes = Buffer.from('{}');
    expect(await errorCodeOf(objects.put('private/locks/x.json', bytes, bytes.length, { ifAbsent: true }), ObjectStoreError)).toBe('STORAGE_UNAVAILABLE');
  });

  it('fails a read with STORAGE_UNAVAILABLE', { timeout: 15_000 }, async () => {
    expect(await errorCodeOf(objects.get('private/locks/x.json'), ObjectStoreError)).toBe('STORAGE_UNAVAILABLE');
  });
});
