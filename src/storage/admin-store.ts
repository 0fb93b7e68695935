import { readFile } from 'node:fs/promises';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { OutpostError } from '../errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { withFileLock } from './file-lock.ts';

export interface AdminAccount {
  username: string;
  passwordHash: string;
  createdAt: string;
  passwordChangedAt: string;
}

export type AdminErrorCode = 'ADMIN_EXISTS' | 'ADMIN_NOT_FOUND' | 'ADMIN_NAME_INVALID' | 'ADMIN_PASSWORD_TOO_SHORT';
export class AdminError extends OutpostError<AdminErrorCode> {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;

/** Admin accounts in private/admins.json (0600), passwords as scrypt hashes only. */
export class AdminStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<AdminAccount[]> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')).admins as AdminAccount[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private change<T>(fn: (admins: AdminAccount[]) => Promise<T>): Promise<T> {
    // `outpost admin create/passwd` writes this file while a server runs: lock across processes.
    const run = this.queue.then(() => withFileLock(`${this.file}.lock`, async () => {
      const admins = await this.list();
      const result = await fn(admins);
      await writeFileAtomic(this.file, `${JSON.stringify({ admins }, null, 2)}\n`, { mode: 0o600 });
      return result;
    }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private static checkPassword(password: string): void {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new AdminError('ADMIN_PASSWORD_TOO_SHORT', `Passwords need at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
  }

  async create(username: string, password: string): Promise<void> {
    if (!NAME.test(username)) throw new AdminError('ADMIN_NAME_INVALID', 'User names are 1–64 letters, digits, and . _ @ - (starting with a letter or digit).');
    AdminStore.checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.change(async (admins) => {
      if (admins.some((a) => a.username === username)) throw new AdminError('ADMIN_EXISTS', `There is already an admin named ${username}.`);
      const at = this.now().toISOString();
      admins.push({ username, passwordHash, createdAt: at, passwordChangedAt: at });
    });
  }

  async setPassword(username: string, password: string): Promise<void> {
    AdminStore.checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.change(async (admins) => {
      const admin = admins.find((a) => a.username === username);
      if (!admin) throw new AdminError('ADMIN_NOT_FOUND', `No admin named ${username}.`);
      admin.passwordHash = passwordHash;
      admin.passwordChangedAt = this.now().toISOString();
    });
  }

  /** The account when the password is right; undefined otherwise (unknown names cost the same). */
  async verify(username: string, password: string): Promise<AdminAccount | undefined> {
    const admin = (await this.list()).find((a) => a.username === username);
    // Hash against a dummy for unknown users so timing does not reveal which names exist.
    const ok = await verifyPassword(password, admin?.passwordHash ?? DUMMY_HASH);
    return admin && ok ? admin : undefined;
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
