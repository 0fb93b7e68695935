import type { ByteLru } from '../cache/byte-lru.ts';
import { readVersioned } from '../storage/objects/object-bytes.ts';
import { headersOf, isObjectKey, type ObjectStore } from '../storage/objects/object-store.ts';
import { commonHeaders, DOC, ENTRY_OVERHEAD, manifestPathParts, memoisedResolver, type Entry, type ManifestSource } from './manifest-fast-path.ts';

/**
 * A bucket deployment's served documents for the fast path: read from the store asynchronously,
 * never on the event loop's time, kept in the same byte-budgeted LRU as in folder mode. Another
 * instance may rewrite a document at any time, so an entry is trusted for `ttlMs` only (5 s,
 * well under the documents' own max-age=60), or until `invalidate(key)` (this instance's
 * manifest writer, or a change feed) drops it.
 */
export const DOCUMENT_TTL_MS = 5000;
/** Served documents are a few kB; anything this large in their place is refused, not held. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

interface TimedEntry extends Entry {
  readonly expiresAt: number;
}

export class StoreManifestCache implements ManifestSource {
  readonly resolve = memoisedResolver((pathname) => {
    const parts = manifestPathParts(pathname);
    const key = parts && ['public', 'updates', ...parts].join('/');
    return key && isObjectKey(key) ? key : undefined;
  });
  /** One read per key however many requests wait for it; dropped from here by invalidate. */
  private readonly filling = new Map<string, Promise<TimedEntry | undefined>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly memory: ByteLru,
    private readonly options: { ttlMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  cached(key: string): Entry | undefined {
    const entry = this.memory.get<TimedEntry>(DOC + key);
    if (!entry || entry.expiresAt > this.now()) return entry;
    this.memory.delete(DOC + key);
    return undefined;
  }

  load(key: string): Promise<Entry | undefined> {
    const pending = this.filling.get(key);
    if (pending) return pending;
    const fill = this.read(key).then(
      (entry) => {
        // A write that landed during the read invalidated it: answer these requests, keep nothing.
        if (this.filling.get(key) === fill) {
          this.filling.delete(key);
          if (entry) this.memory.set(DOC + key, entry, entry.body.length + ENTRY_OVERHEAD);
        }
        return entry;
      },
      (err: unknown) => {
        if (this.filling.get(key) === fill) this.filling.delete(key);
        throw err;
      },
    );
    this.filling.set(key, fill);
    return fill;
  }

  invalidate(key: string): void {
    this.filling.delete(key);
    this.memory.delete(DOC + key);
  }

  /** Every document under `prefix` (all of an add-on's, when another instance changed it). */
  invalidatePrefix(prefix: string): void {
    for (const key of [...this.filling.keys()]) if (key.startsWith(prefix)) this.filling.delete(key);
    this.memory.deletePrefix(DOC + prefix);
  }

  private async read(key: string): Promise<TimedEntry | undefined> {
    // The bound counts from before the read: an entry is never older than ttlMs.
    const started = this.now();
    const object = await readVersioned(this.store, key, MAX_DOCUMENT_BYTES);
    if (!object) return undefined;
    const body = object.bytes;
    const modified = object.lastModified ?? new Date(started);
    return {
      body,
      expiresAt: started + (this.options.ttlMs ?? DOCUMENT_TTL_MS),
      etag: object.etag,
      mtimeMs: modified.getTime(),
      ok: ['Content-Type', headersOf(key).contentType!, ...commonHeaders(modified.toUTCString(), object.etag), 'Content-Length', String(body.length)],
    };
  }
}
