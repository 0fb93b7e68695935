import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { OutpostError } from '../errors.ts';
import { TOKENS } from '../limits.ts';
import { readJsonIfChanged, updateJson } from './objects/json-objects.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { SerialQueue } from './serial-queue.ts';

/**
 * API tokens, stored only as SHA-256 hashes, in one object (private/tokens.json, the same file as
 * ever on a folder). A token reads `opt_<id>_<secret>`: the id finds the record, the secret is
 * compared in constant time. Every change is a compare-and-swap of the whole list, so servers and
 * CLI commands writing at once lose nothing. The list is cached and re-read (when its ETag changed)
 * at most every `recheckMs`: a revoke made elsewhere is refused here within that bound.
 */
export interface TokenRecord {
  id: string;
  label: string;
  keyName: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
  /** hex SHA-256 of the secret part */
  hash: string;
}

export type TokenErrorCode = 'TOKEN_NOT_FOUND' | 'TOKEN_STORE_CORRUPT';
export class TokenError extends OutpostError<TokenErrorCode> {}

export const TOKENS_KEY = 'private/tokens.json';
const TOKEN = /^opt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
// Writing lastUsedAt on every request would turn each API call into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

interface TokenList {
  tokens: TokenRecord[];
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface TokenStoreOptions {
  now?: () => Date;
  recheckMs?: number;
}

export class TokenStore {
  private cache?: { etag: string; records: TokenRecord[]; checkedAt: number };
  private readonly queue = new SerialQueue();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly recheckMs: number;

  constructor(
    private readonly objects: ObjectStore,
    options: TokenStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.recheckMs = options.recheckMs ?? TOKENS.recheckMs;
  }

  private parse(value: unknown): TokenRecord[] {
    const records = (value as TokenList | undefined)?.tokens;
    if (!Array.isArray(records)) throw new TokenError('TOKEN_STORE_CORRUPT', `${TOKENS_KEY} in ${this.objects.location} is not a token list.`);
    return records;
  }

  private async load(fresh = false): Promise<TokenRecord[]> {
    const at = this.now().getTime();
    if (!fresh && this.cache && at - this.cache.checkedAt < this.recheckMs) return this.cache.records;
    let read;
    try {
      read = await readJsonIfChanged<TokenList>(this.objects, TOKENS_KEY, this.cache?.etag);
    } catch (cause) {
      if (cause instanceof SyntaxError) throw new TokenError('TOKEN_STORE_CORRUPT', `${TOKENS_KEY} in ${this.objects.location} cannot be read as JSON.`, { cause });
      throw cause;
    }
    if (read === 'unchanged') {
      this.cache!.checkedAt = at;
      return this.cache!.records;
    }
    if (!read) {
      this.cache = undefined;
      return [];
    }
    this.cache = { etag: read.etag, records: this.parse(read.value), checkedAt: at };
    return this.cache.records;
  }

  /** One compare-and-swap of the list; this instance's own changes are queued so they do not collide. */
  private update<T>(change: (records: TokenRecord[]) => T): Promise<T> {
    return this.queue.run(async () => {
      const { result, etag, value } = await updateJson<TokenList, T>(this.objects, TOKENS_KEY, (current) => {
        const records = current ? this.parse(current) : [];
        const result = change(records);
        return { value: { tokens: records }, result };
      });
      if (etag && value) this.cache = { etag, records: value.tokens, checkedAt: this.now().getTime() };
      return result;
    });
  }

  /** Resolves once pending writes (such as last-used bookkeeping) are stored. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending, this.queue.idle()]);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.load(true)).length === 0;
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.load(true)).map((r) => ({ ...r }));
  }

  async create(keyName: string, label = ''): Promise<{ token: string; record: TokenRecord }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: TokenRecord = { id, label, keyName, createdAt: this.now().toISOString(), hash: hashSecret(secret) };
    await this.update((records) => records.push({ ...record }));
    return { token: `opt_${id}_${secret}`, record };
  }

  async revoke(id: string): Promise<TokenRecord> {
    return this.update((records) => {
      const record = records.find((r) => r.id === id);
      if (!record) throw new TokenError('TOKEN_NOT_FOUND', `No token with id ${id}.`);
      record.revokedAt ??= this.now().toISOString();
      return { ...record };
    });
  }

  /** The token's record if it is valid and not revoked; undefined otherwise. */
  async authenticate(token: string): Promise<TokenRecord | undefined> {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const record = (await this.load()).find((r) => r.id === m[1]);
    if (!record || record.revokedAt) return undefined;
    const expected = Buffer.from(record.hash, 'hex');
    const actual = Buffer.from(hashSecret(m[2]!), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return { ...record };
  }

  /**
   * Records a successful use. Called after the request succeeded, so a refused request leaves the
   * stored state exactly as it was.
   */
  touch(id: string): Promise<void> {
    const now = this.now();
    const task = (async () => {
      const current = (await this.load()).find((r) => r.id === id);
      if (!current || (current.lastUsedAt && now.getTime() - Date.parse(current.lastUsedAt) < LAST_USED_RESOLUTION_MS)) return;
      await this.update((records) => {
        const r = records.find((x) => x.id === id);
        if (r) r.lastUsedAt = now.toISOString();
      });
    })();
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task)).catch(() => undefined);
    return task;
  }
}
