import crypto from 'node:crypto';
import { readObject } from '../../src/storage/objects/object-bytes.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import type { TestServer } from '../helpers/server.ts';

/** What kind-crashes.test.ts's scenarios share: the harness, and how they call and read an instance. */
export const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** What a scenario works with: the instance serving now, the first start's token. */
export interface Harness {
  server: TestServer;
  token: string;
}

export interface Scenario {
  /** Unarmed, before each round: what the round's change needs (a version to withdraw…). */
  prepare?(h: Harness, round: number): Promise<void>;
  /** The change under test; its answer's status. */
  change(h: Harness, round: number): Promise<number>;
  /** After the change answered `status` (or was cut short: `status` undefined). */
  answered?(round: number, status: number | undefined): void;
  /** On a repaired instance: what it serves agrees with its records; answered changes are there. */
  check(h: Harness): Promise<void>;
}

export const post = async (h: Harness, bytes: Buffer, name: string, token = h.token) => {
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(bytes)]), name);
  return (await fetch(`${h.server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })).status;
};
export const call = async (h: Harness, method: string, p: string) => (await fetch(`${h.server.url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${h.token}` } })).status;
export const objectsOf = (h: Harness): ObjectStore => h.server.outpost.objects;
export const storedSha = async (h: Harness, key: string) => {
  const bytes = await readObject(objectsOf(h), key, 64 * 1024 * 1024);
  return bytes && sha256(bytes);
};
