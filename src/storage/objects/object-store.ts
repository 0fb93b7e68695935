import type { Readable } from 'node:stream';
import { publicHeaders } from '../../catalog/served-headers.ts';
import { OutpostError } from '../../errors.ts';
import { isSafeSegment } from '../../names/safe-segment.ts';

/**
 * The object-store port: what a deployment's bytes live in, a folder or an S3 bucket. Keys are
 * the data folder's relative paths ("public/files/<id>/<file>", "private/addons/<id>.json"), so
 * the same key names the same thing in both. Public objects carry the Content-Type and
 * Cache-Control they are served with (served-headers.ts); private ones are never served.
 */

export type ObjectStoreErrorCode =
  | 'STORAGE_KEY_INVALID' // a key outside the grammar below: a bug upstream, or a foreign object in a bucket
  | 'STORAGE_PRECONDITION_FAILED' // a conditional write lost a race (If-Match / If-None-Match)
  | 'STORAGE_UNAVAILABLE' // the store answered with an error or not at all
  | 'STORAGE_BUSY' // another instance held a shared lock for longer than a change may wait
  | 'STORAGE_LEASE_LOST' // a change's shared lock could not be renewed in time: its writes stop
  | 'STORAGE_LOCATION_INVALID' // neither a folder path nor s3://<bucket>[/<prefix>]
  | 'STORAGE_TARGET_NOT_EMPTY' // a copy into a deployment that holds objects already
  | 'STORAGE_VERIFY_FAILED'; // an object read back from the target is not what was copied

export class ObjectStoreError extends OutpostError<ObjectStoreErrorCode> {}

/** A conditional write lost a race (or, retried, met its own first attempt): 412 from the store. */
export function isPreconditionFailed(err: unknown): boolean {
  return err instanceof ObjectStoreError && err.code === 'STORAGE_PRECONDITION_FAILED';
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Listings carry it where the store gives it cheaply (both adapters do); quoting may differ from get's. */
  readonly etag?: string;
}

/** Whether two ETags name one version: stores quote them in some answers and not in others. */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  const bare = (tag: string) => tag.replace(/^"(.*)"$/, '$1');
  return a !== undefined && b !== undefined && bare(a) === bare(b);
}

export interface ObjectBody extends ObjectInfo {
  readonly stream: Readable;
  readonly etag: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly lastModified?: Date;
  /** Set when a range was asked for: the stream holds only these bytes; `size` stays the whole object's. */
  readonly range?: ByteRange;
}

/** Bytes `start` to `end` of an object, both included (as in an HTTP Range header). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What any write may take: a signal that abandons a request still on its way (a lost lease). */
export interface WriteOptions {
  readonly signal?: AbortSignal;
}

export interface PutOptions extends WriteOptions {
  readonly contentType?: string;
  readonly cacheControl?: string;
  /** Only if the object exists with this ETag (compare-and-swap of a record). */
  readonly ifMatch?: string;
  /** Only if no object has this key yet. */
  readonly ifAbsent?: boolean;
}

export interface ObjectStore {
  /** For messages and logs: a folder path or s3://bucket/prefix, never a credential. */
  readonly location: string;
  /** Every object under `prefix` ("" for all), in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** `range` must lie within the object (callers check it against `head` first). */
  get(key: string, range?: ByteRange): Promise<ObjectBody | undefined>;
  /** Whether an object exists (and its size), without reading it. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** `body` is read once; `size` is its exact length in bytes. */
  put(key: string, body: Buffer | Readable, size: number, options?: PutOptions): Promise<{ etag: string }>;
  /**
   * Takes over a file the server staged on local disk (an upload in private/tmp): afterwards `key`
   * holds its bytes and the file is gone. A folder renames it, so a 200 MB package is never copied;
   * a bucket uploads it. An existing object under `key` is replaced.
   */
  adopt(file: string, key: string, size: number, options?: WriteOptions): Promise<void>;
  /** Moves an object to another key (a package withdrawn or restored); the source is gone after. */
  move(from: string, to: string, options?: WriteOptions): Promise<void>;
  /** Nothing happens when there is no such object. */
  remove(key: string, options?: WriteOptions): Promise<void>;
  close(): Promise<void>;
}

/** The top-level folders of a deployment; nothing else is ever read or written. */
const ROOTS = new Set(['public', 'private']);

/**
 * One grammar for every key, in both backends: public/ or private/, then safe segments
 * (names/safe-segment.ts), at most 32 deep. A key that passes means the same object to a file
 * system, S3 and nginx; one that does not is refused, never normalised.
 */
export function isObjectKey(key: string): boolean {
  if (typeof key !== 'string' || key.length > 1024) return false;
  const segments = key.split('/');
  return segments.length >= 2 && segments.length <= 32 && ROOTS.has(segments[0]!) && segments.slice(1).every((s) => isSafeSegment(s));
}

export function checkObjectKey(key: string, store: string): string {
  if (!isObjectKey(key)) throw new ObjectStoreError('STORAGE_KEY_INVALID', `${JSON.stringify(key.slice(0, 200))} in ${store} is not a key Outpost writes (public/ or private/, then plain names).`);
  return key;
}

/** What a public object is served with, derived from its key; private objects are never served. */
export function headersOf(key: string): { contentType?: string; cacheControl?: string } {
  return key.startsWith('public/') ? publicHeaders(key.slice('public/'.length)) : {};
}
