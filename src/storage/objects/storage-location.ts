import path from 'node:path';
import { isSafeSegment } from '../../names/safe-segment.ts';
import { ObjectStoreError } from './object-store.ts';
import type { BucketLocation } from './s3-objects.ts';

/**
 * Where a deployment lives: a local folder (OUTPOST_DATA, with its keys folder beside it) or
 * `s3://<bucket>[/<prefix>]`. Bucket names follow S3's rules for new buckets (lowercase letters,
 * digits, dots and hyphens, 3 to 63, not an IP address); the prefix is plain names. Anything else
 * that looks like a URL is refused rather than taken for a folder named "https:".
 */
export type StorageLocation = { readonly kind: 'folder'; readonly dir: string } | ({ readonly kind: 's3' } & BucketLocation);

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

function invalid(value: string, reason: string): ObjectStoreError {
  return new ObjectStoreError('STORAGE_LOCATION_INVALID', `"${value.slice(0, 200)}" is not a storage location: ${reason}.`);
}

export function parseStorageLocation(value: string, cwd: string): StorageLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !value.startsWith('s3://')) throw invalid(value, 'use a folder path or s3://<bucket>[/<prefix>]');
  if (!value.startsWith('s3://')) {
    if (value === '' || value.includes('\0')) throw invalid(value, 'give a folder path');
    return { kind: 'folder', dir: path.resolve(cwd, value) };
  }
  const [bucket = '', ...rest] = value.slice('s3://'.length).replace(/\/+$/, '').split('/');
  if (!BUCKET.test(bucket) || bucket.includes('..') || IP_LIKE.test(bucket)) {
    throw invalid(value, 'the bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens');
  }
  if (!rest.every((segment) => isSafeSegment(segment))) throw invalid(value, 'the prefix must be plain names separated by "/"');
  return { kind: 's3', bucket, prefix: rest.length ? `${rest.join('/')}/` : '' };
}

export function describeLocation(location: StorageLocation): string {
  return location.kind === 'folder' ? location.dir : `s3://${location.bucket}/${location.prefix}`;
}
