import { hashPassword, verifyPassword } from '../auth/password.ts';
import { OutpostError } from '../errors.ts';
import { readJson, updateJson } from './objects/json-objects.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { SerialQueue } from './serial-queue.ts';

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
export const ADMINS_KEY = 'private/admins.json';

interface AdminList {
  admins: AdminAccount[];
}

/**
 * Admin accounts in private/admins.json (0600 on a folder), passwords as scrypt hashes only.
 * Not cached: it is read on sign-in only, so a password changed by the CLI or another instance
 * counts from the next sign-in. Changes are compare-and-swap of the whole list.
 */
export class AdminStore {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly objects: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<AdminAccount[]> {
    return (await readJson<AdminList>(this.objects, ADMINS_KEY))?.value.admins ?? [];
  }

  private change(fn: (admins: AdminAccount[]) => void): Promise<void> {
    // `outpost admin create/passwd` writes this list while servers run: compare-and-swap.
    return this.queue.run(async () => {
      await updateJson<AdminList, void>(this.objects, ADMINS_KEY, (current) => {
        const admins = current?.admins ?? [];
        fn(admins);
        return { value: { admins }, result: undefined };
      });
    });
  }

  private static checkPassword(password: string): void {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new AdminError('ADMIN_PASSWORD_TOO_SHORT', `Passwords need at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
  }

  async create(username: string, password: string): Promise<void> {
    if (!NAME.test(username)) throw new AdminError('ADMIN_NAME_INVALID', 'User names are 1–64 letters, digits, and . _ @ - (starting with a letter or digit).');
    AdminStore.checkPassword(password);
    // Hashed once, outside the retried change: scrypt is the slow part.
    const passwordHash = await hashPassword(password);
    await this.change((admins) => {
      if (admins.some((a) => a.username === username)) throw new AdminError('ADMIN_EXISTS', `There is already an admin named ${username}.`);
      const at = this.now().toISOString();
      admins.push({ username, passwordHash, createdAt: at, passwordChangedAt: at });
    });
  }

  async setPassword(username: string, password: string): Promise<void> {
    AdminStore.checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.change((admins) => {
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
