import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { S3Config } from '../../config.ts';
import { checkObjectKey, headersOf, ObjectStoreError, type ByteRange, type ObjectBody, type ObjectInfo, type ObjectStore, type PutOptions, type WriteOptions } from './object-store.ts';

/**
 * The object-store port on an S3 bucket (AWS, Ceph RADOS Gateway, MinIO…), under an optional key
 * prefix. Public objects get their Content-Type and Cache-Control as object metadata, so a proxy
 * in front of the bucket serves them as Outpost does. Conditional writes use If-Match and
 * If-None-Match, which the gateway answers 412 when they do not hold.
 */
export interface BucketLocation {
  readonly bucket: string;
  /** "" or a prefix ending in "/". */
  readonly prefix: string;
}

type Sdk = typeof import('@aws-sdk/client-s3');

/**
 * The SDK is loaded by the first bucket that talks to its gateway, not at start: a folder
 * deployment never needs it, and loading it costs about 5 MB of heap and 20 MB of resident
 * memory for as long as the process runs.
 */
let loading: Promise<Sdk> | undefined;
let loaded: Sdk | undefined;

function loadSdk(): Promise<Sdk> {
  return (loading ??= import('@aws-sdk/client-s3').then((sdk) => (loaded = sdk)));
}

/** The HTTP status of a failed request; an error that came from the SDK implies the SDK is loaded. */
function statusOf(err: unknown): number | undefined {
  return loaded && err instanceof loaded.S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

function storeError(err: unknown, what: string, location: string, signal?: AbortSignal): Error {
  if (err instanceof ObjectStoreError) return err;
  // Abandoned because the task's lease was lost: the signal's reason says so (STORAGE_LEASE_LOST).
  if (signal?.aborted && signal.reason instanceof ObjectStoreError) return new ObjectStoreError(signal.reason.code, `${what} in ${location} was abandoned: ${signal.reason.message}`, { cause: err });
  if (statusOf(err) === 412) return new ObjectStoreError('STORAGE_PRECONDITION_FAILED', `${what} in ${location}: changed since it was read.`, { cause: err });
  // The SDK's message names the failure (NoSuchBucket, AccessDenied, ECONNREFUSED), never a secret.
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new ObjectStoreError('STORAGE_UNAVAILABLE', `${what} in ${location} failed (${reason}).`, { cause: err });
}

/**
 * Ceph RGW 16 compares If-Match on PUT as a plain string with its stored, unquoted ETag, so the
 * quoted ETag GET returns never matches (412 every time); HTTP's own rules compare the opaque tag
 * either way. Checked against Ceph 16.2 here, not against AWS or MinIO.
 */
function bareEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/**
 * Without them a request to a gateway that accepted the connection and never answers waits
 * forever, and so does whatever holds a lease meanwhile (a publish, every change queued behind it).
 */
export interface S3Timeouts {
  /** Establishing the TCP (and TLS) connection. */
  connectMs?: number;
  /** A whole request and its answer's headers; a streamed upload gets more per byte (below). */
  requestMs?: number;
}

const DEFAULT_CONNECT_MS = 5_000;
const DEFAULT_REQUEST_MS = 30_000;
/** A package upload is allowed to go this slowly (1 MiB/s) on top of `requestMs`, so 200 MB is never cut off at 30 s. */
const MIN_UPLOAD_BYTES_PER_MS = 1024 * 1024 / 1000;

export class S3Objects implements ObjectStore {
  readonly location: string;
  private readonly options: S3ClientConfig;
  private connecting: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  private readonly requestMs: number;

  constructor(
    private readonly where: BucketLocation,
    config: S3Config,
    timeouts: S3Timeouts = {},
  ) {
    this.requestMs = timeouts.requestMs ?? DEFAULT_REQUEST_MS;
    this.location = `s3://${where.bucket}/${where.prefix}`;
    this.options = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // Checksums the SDK would add by default (CRC32 trailers) are not understood by every gateway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // The handler's constructor options (NodeHttpHandlerOptions, @smithy/node-http-handler 4.x):
      // requestTimeout only logs a warning unless throwOnRequestTimeout is set. socketTimeout ends
      // a body that stops arriving after the headers came; it is idle time, and a download served
      // to a slow client pauses while that client does not read, hence much longer.
      requestHandler: {
        connectionTimeout: timeouts.connectMs ?? DEFAULT_CONNECT_MS,
        requestTimeout: this.requestMs,
        throwOnRequestTimeout: true,
        socketTimeout: 4 * this.requestMs,
      },
    };
  }

  /** The SDK and this bucket's client, made on first use. */
  private connection(): Promise<{ sdk: Sdk; client: S3Client }> {
    return (this.connecting ??= loadSdk().then((sdk) => ({ sdk, client: new sdk.S3Client(this.options) })));
  }

  private objectKey(key: string): string {
    return `${this.where.prefix}${checkObjectKey(key, this.location)}`;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const { sdk, client } = await this.connection();
    let token: string | undefined;
    do {
      const page = await client
        .send(new sdk.ListObjectsV2Command({ Bucket: this.where.bucket, Prefix: `${this.where.prefix}${prefix}`, ContinuationToken: token }))
        .catch((err: unknown) => {
          throw storeError(err, 'listing', this.location);
        });
      for (const object of page.Contents ?? []) {
        const key = object.Key!.slice(this.where.prefix.length);
        yield { key: checkObjectKey(key, this.location), size: object.Size ?? 0, ...(object.ETag ? { etag: object.ETag } : {}) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    const { sdk, client } = await this.connection();
    try {
      const answer = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.where.bucket, Key: this.objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return {
        key,
        // A ranged answer's length is the part's; Content-Range ("bytes 0-9/1234") names the whole.
        size: range ? Number(/\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1] ?? 0) : (answer.ContentLength ?? 0),
        etag: answer.ETag ?? '',
        stream: answer.Body as Readable,
        ...(answer.LastModified ? { lastModified: answer.LastModified } : {}),
        ...(range ? { range } : {}),
        ...(answer.ContentType ? { contentType: answer.ContentType } : {}),
        ...(answer.CacheControl ? { cacheControl: answer.CacheControl } : {}),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw storeError(err, `reading ${key}`, this.location);
    }
  }

  async put(key: string, body: Buffer | Readable, size: number, options: PutOptions = {}): Promise<{ etag: string }> {
    const { sdk, client } = await this.connection();
    try {
      const answer = await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.where.bucket,
          Key: this.objectKey(key),
          Body: body,
          ContentLength: size,
          ...metadataOf(key, options),
          ...(options.ifMatch !== undefined ? { IfMatch: bareEtag(options.ifMatch) } : {}),
          ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
        {
          ...(Buffer.isBuffer(body) ? {} : { requestTimeout: this.requestMs + Math.ceil(size / MIN_UPLOAD_BYTES_PER_MS) }),
          ...abortable(options),
        },
      );
      return { etag: answer.ETag ?? '' };
    } catch (err) {
      // If-Match on an object deleted meanwhile is 404 (NoSuchKey), and two conditional writes at
      // once may get 409 (ConditionalRequestConflict): either way this writer lost the race.
      const status = statusOf(err);
      const conditional = options.ifMatch !== undefined || options.ifAbsent;
      if (conditional && (status === 404 || status === 409)) throw new ObjectStoreError('STORAGE_PRECONDITION_FAILED', `${key} in ${this.location} changed since it was read.`, { cause: err });
      throw storeError(err, `writing ${key}`, this.location, options.signal);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const { sdk, client } = await this.connection();
    try {
      const answer = await client.send(new sdk.HeadObjectCommand({ Bucket: this.where.bucket, Key: this.objectKey(key) }));
      return { key, size: answer.ContentLength ?? 0 };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw storeError(err, `reading ${key}`, this.location);
    }
  }

  /** Uploaded from disk, then the local file goes: a bucket has no rename from local disk. */
  async adopt(file: string, key: string, size: number, options: WriteOptions = {}): Promise<void> {
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    try {
      await this.put(key, stream, size, options);
    } finally {
      stream.destroy();
    }
    await rm(file, { force: true });
  }

  /** A server-side copy with the target's own headers (a restored package is public again), then a delete. */
  async move(from: string, to: string, options: WriteOptions = {}): Promise<void> {
    const headers = headersOf(to);
    const { sdk, client } = await this.connection();
    try {
      await client.send(
        new sdk.CopyObjectCommand({
          Bucket: this.where.bucket,
          Key: this.objectKey(to),
          CopySource: `${this.where.bucket}/${encodeURIComponent(this.objectKey(from)).replace(/%2F/g, '/')}`,
          MetadataDirective: 'REPLACE',
          ...(headers.contentType ? { ContentType: headers.contentType } : {}),
          ...(headers.cacheControl ? { CacheControl: headers.cacheControl } : {}),
        }),
        abortable(options),
      );
    } catch (err) {
      throw storeError(err, `moving ${from} to ${to}`, this.location, options.signal);
    }
    await this.remove(from, options);
  }

  async remove(key: string, options: WriteOptions = {}): Promise<void> {
    const { sdk, client } = await this.connection();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.where.bucket, Key: this.objectKey(key) }), abortable(options)).catch((err: unknown) => {
      throw storeError(err, `removing ${key}`, this.location, options.signal);
    });
  }

  async close(): Promise<void> {
    const connected = await this.connecting?.catch(() => undefined);
    connected?.client.destroy();
  }
}

/** The SDK's per-request options of a write: its lease's signal, if it has one. */
function abortable(options: WriteOptions): { abortSignal?: AbortSignal } {
  return options.signal ? { abortSignal: options.signal } : {};
}

/** The key decides how a public object is served (served-headers.ts); a caller may be explicit. */
function metadataOf(key: string, options: PutOptions): { ContentType?: string; CacheControl?: string } {
  const derived = headersOf(key);
  const contentType = options.contentType ?? derived.contentType;
  const cacheControl = options.cacheControl ?? derived.cacheControl;
  return { ...(contentType ? { ContentType: contentType } : {}), ...(cacheControl ? { CacheControl: cacheControl } : {}) };
}
