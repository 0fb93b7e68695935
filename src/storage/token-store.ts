import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { OutpostError } from '../errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { withFileLock } from './file-lock.ts';

/**
 * API tokens, stored only as SHA-256 hashes. A token reads `opt_<id>_<secret>`: the id finds the
 * record, the secret is compared in constant time. The file is re-read when it changes on disk,
 * so `outpost token revoke` takes effect in a running server at once.
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

const TOKEN = /^opt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
// Writing lastUsedAt on every request would turn each API call into a disk write.
const LAST_USED_RESOLUTION_MS = 60_000;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class TokenStore {
  private cache?: { mtimeMs: number; size: number; records: TokenRecord[] };
  private writing: Promise<unknown> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async load(): Promise<TokenRecord[]> {
    let info;
    try {
      info = await stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    if (this.cache && this.cache.mtimeMs === info.mtimeMs && this.cache.size === info.size) return this.cache.records;
    let records: TokenRecord[];
    try {
      records = JSON.parse(await readFile(this.file, 'utf8')).tokens;
      if (!Array.isArray(records)) throw new Error('no tokens array');
    } catch (cause) {
      throw new TokenError('TOKEN_STORE_CORRUPT', `${this.file} cannot be read as a token list.`, { cause });
    }
    this.cache = { mtimeMs: info.mtimeMs, size: info.size, records };
    return records;
  }

  /** Serialises read-modify-write cycles within this process, and with other processes. */
  private update<T>(change: (records: TokenRecord[]) => T): Promise<T> {
    // The CLI writes this file while a server runs: lock across processes and read afresh inside.
    const run = this.writing.then(() => withFileLock(`${this.file}.lock`, async () => {
      this.cache = undefined;
      const records = structuredClone(await this.load());
      const result = change(records);
      await writeFileAtomic(this.file, `${JSON.stringify({ tokens: records }, null, 2)}\n`, { mode: 0o600 });
      this.cache = undefined;
      return result;
    }));
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Resolves once pending writes (such as last-used bookkeeping) are on disk. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending, this.writing]);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.load()).length === 0;
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.load()).map((r) => ({ ...r }));
  }

  async create(keyName: string, label = ''): Promise<{ token: string; record: TokenRecord }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: TokenRecord = { id, label, keyName, createdAt: this.now().toISOString(), hash: hashSecret(secret) };
    await this.update((records) => records.push(record));
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
   * data folder exactly as it was.
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
