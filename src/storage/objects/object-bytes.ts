import { ObjectStoreError, type ObjectStore } from './object-store.ts';

/**
 * Whole small objects (documents, index state, a VPN add-on) as bytes. `maxBytes` bounds what is
 * held in memory: an object larger than its kind may be is refused, never read.
 */
export async function readObject(store: ObjectStore, key: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer | undefined> {
  return (await readVersioned(store, key, maxBytes))?.bytes;
}

/** The bytes with the ETag of exactly those bytes (for a compare-and-swap write after). */
export async function readVersioned(store: ObjectStore, key: string, maxBytes: number): Promise<{ bytes: Buffer; etag: string; lastModified?: Date } | undefined> {
  const body = await store.get(key);
  if (!body) return undefined;
  if (body.size > maxBytes) {
    body.stream.destroy();
    throw new ObjectStoreError('STORAGE_UNAVAILABLE', `${key} in ${store.location} is ${body.size} bytes, more than the ${maxBytes} it may have.`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body.stream) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), etag: body.etag, ...(body.lastModified ? { lastModified: body.lastModified } : {}) };
}

export async function writeObject(store: ObjectStore, key: string, data: string | Buffer): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  await store.put(key, bytes, bytes.length);
}

/** Every key under `prefix`, as names relative to it. */
export async function listNames(store: ObjectStore, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const object of store.list(prefix)) names.push(object.key.slice(prefix.length));
  return names;
}
