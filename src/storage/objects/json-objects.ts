import { buffer } from 'node:stream/consumers';
import { isPreconditionFailed, type ObjectStore } from './object-store.ts';

/**
 * Small JSON objects read and changed with compare-and-swap: the state several instances share
 * (tokens, admins, sessions, throttle counters). Every change reads the object and its ETag, then
 * writes with If-Match (or If-None-Match when it did not exist); a writer that lost the race reads
 * again and re-applies its change, so no instance's change is lost and none is applied twice.
 */
export interface JsonObject<T> {
  readonly value: T;
  readonly etag: string;
}

/** Enough for tens of concurrent writers on one object; beyond that a caller sees the conflict. */
export const CAS_ATTEMPTS = 30;

export async function readJson<T>(objects: ObjectStore, key: string): Promise<JsonObject<T> | undefined> {
  return (await readJsonIfChanged<T>(objects, key, undefined)) as JsonObject<T> | undefined;
}

/** As readJson, but 'unchanged' without reading the body when the ETag is still `etag`. */
export async function readJsonIfChanged<T>(objects: ObjectStore, key: string, etag: string | undefined): Promise<JsonObject<T> | undefined | 'unchanged'> {
  const body = await objects.get(key);
  if (!body) return undefined;
  if (etag !== undefined && body.etag === etag) {
    body.stream.destroy();
    return 'unchanged';
  }
  const bytes = await buffer(body.stream);
  return { value: JSON.parse(bytes.toString('utf8')) as T, etag: body.etag };
}

export async function writeJson(objects: ObjectStore, key: string, value: unknown, condition: { ifMatch?: string; ifAbsent?: boolean } = {}): Promise<string> {
  const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return (await objects.put(key, bytes, bytes.length, condition)).etag;
}

/** What a change decides: a new value to write, or `undefined` to write nothing. */
export type Change<T, R> = (current: T | undefined) => { value?: T; result: R } | Promise<{ value?: T; result: R }>;


/**
 * Read, change, write conditionally; on a lost race start over. `change` may run several times,
 * so it must only compute (throwing a coded error to refuse is fine). Jittered back-off keeps
 * writers that collided from colliding again in lockstep.
 */
export async function updateJson<T, R>(objects: ObjectStore, key: string, change: Change<T, R>, attempts = CAS_ATTEMPTS): Promise<{ result: R; etag?: string; value?: T }> {
  for (let attempt = 1; ; attempt++) {
    const current = await readJson<T>(objects, key);
    const { value, result } = await change(current ? structuredClone(current.value) : undefined);
    if (value === undefined) return { result, ...(current ? { etag: current.etag, value: current.value } : {}) };
    try {
      const etag = await writeJson(objects, key, value, current ? { ifMatch: current.etag } : { ifAbsent: true });
      return { result, etag, value };
    } catch (err) {
      if (!isPreconditionFailed(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));
    }
  }
}
