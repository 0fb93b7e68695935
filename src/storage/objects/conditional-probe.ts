import { randomBytes } from 'node:crypto';
import { isPreconditionFailed, ObjectStoreError, type ObjectStore } from './object-store.ts';

/** Whether a conditional write was refused (412), as it must be. */
async function refusedWrite(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return false;
  } catch (err) {
    if (isPreconditionFailed(err)) return true;
    throw err;
  }
}

/**
 * Several instances on one bucket are safe only if the store honours If-None-Match and If-Match
 * (leases, records, keys). A gateway that ignores them would silently let two instances win the
 * same race, so a bucket server checks once, on a scratch key, before it serves: a second create
 * must be refused, a write with the ETag just returned must be taken, one with a wrong ETag refused.
 */
export async function checkConditionalWrites(objects: ObjectStore): Promise<void> {
  const key = `private/probe/${randomBytes(8).toString('hex')}.json`;
  const body = (n: number) => Buffer.from(`{"probe":${n}}`);
  try {
    const { etag } = await objects.put(key, body(1), body(1).length, { ifAbsent: true });
    const problems: string[] = [];
    if (!(await refusedWrite(objects.put(key, body(2), body(2).length, { ifAbsent: true })))) problems.push('a second create (If-None-Match: *) was accepted');
    if (await refusedWrite(objects.put(key, body(3), body(3).length, { ifMatch: etag }))) problems.push('a write with the current ETag (If-Match) was refused');
    if (!(await refusedWrite(objects.put(key, body(4), body(4).length, { ifMatch: '"0000"' })))) problems.push('a write with a wrong ETag (If-Match) was accepted');
    if (problems.length) {
      throw new ObjectStoreError('STORAGE_UNAVAILABLE', `${objects.location} does not honour conditional writes (${problems.join('; ')}); several Outpost instances cannot share it safely. Use a gateway with If-Match and If-None-Match on PUT (AWS S3, Ceph RGW, MinIO).`);
    }
  } finally {
    await objects.remove(key).catch(() => undefined);
  }
}
