import type { Readable } from 'node:stream';
import type { ByteRange, ObjectBody, ObjectInfo, ObjectStore, PutOptions, WriteOptions } from '../../src/storage/objects/object-store.ts';

/**
 * An object store that runs test code around each call of a real one: to hold a write until
 * another process has reached a point (races in a chosen order, no timing), to fail one, or to
 * stop answering altogether as a killed process would.
 */
export interface StoreCall {
  readonly op: 'list' | 'get' | 'head' | 'put' | 'adopt' | 'move' | 'remove';
  readonly key: string;
  readonly options?: PutOptions;
}

export interface StoreHooks {
  /** Runs before the call reaches the store; throwing makes the call fail without effect. */
  before?(call: StoreCall): void | Promise<void>;
  /** Runs after the call succeeded; throwing makes it look failed although it happened. */
  after?(call: StoreCall): void | Promise<void>;
}

export function hookedStore(inner: ObjectStore, hooks: StoreHooks): ObjectStore {
  async function around<T>(call: StoreCall, run: () => Promise<T>): Promise<T> {
    await hooks.before?.(call);
    const result = await run();
    await hooks.after?.(call);
    return result;
  }
  return {
    location: inner.location,
    async *list(prefix: string): AsyncIterable<ObjectInfo> {
      await hooks.before?.({ op: 'list', key: prefix });
      yield* inner.list(prefix);
    },
    get: (key: string, range?: ByteRange): Promise<ObjectBody | undefined> => around({ op: 'get', key }, () => inner.get(key, range)),
    head: (key: string): Promise<ObjectInfo | undefined> => around({ op: 'head', key }, () => inner.head(key)),
    put: (key: string, body: Buffer | Readable, size: number, options?: PutOptions) =>
      around({ op: 'put', key, ...(options ? { options } : {}) }, () => inner.put(key, body, size, options)),
    adopt: (file: string, key: string, size: number, options?: WriteOptions) => around({ op: 'adopt', key }, () => inner.adopt(file, key, size, options)),
    move: (from: string, to: string, options?: WriteOptions) => around({ op: 'move', key: from }, () => inner.move(from, to, options)),
    remove: (key: string, options?: WriteOptions) => around({ op: 'remove', key }, () => inner.remove(key, options)),
    close: () => inner.close(),
  };
}

/** Resolves once `count` callers have arrived: each caller waits for all of them. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === count) open();
    return all;
  };
}
