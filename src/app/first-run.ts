import type { AuthState } from '../auth/auth-state.ts';
import { generatePassword } from '../auth/password.ts';
import { isOutpostError } from '../errors.ts';
import type { KeyStore } from '../storage/key-store.ts';
import type { FirstRun } from './outpost.ts';

export const DEFAULT_KEY_NAME = 'default';
export const FIRST_ADMIN = 'admin';

/** Another instance starting on the same empty bucket created it first: theirs is as good. */
function lostRace(err: unknown, code: string): boolean {
  return isOutpostError(err) && err.code === code;
}

/**
 * What a first start creates: a publisher key, an API token and an admin, each only if there is
 * none, each audited (by the `first-start` actor). Instances starting together on one empty
 * bucket may both try: one key and one admin win (the other start uses them); each may print a
 * token of its own, all valid.
 */
export async function createFirstRun(state: { keys: KeyStore } & Pick<AuthState, 'tokens' | 'admins' | 'audit'>, firstRun: FirstRun): Promise<void> {
  const { keys, tokens, admins, audit } = state;
  const actor = 'first-start';
  if ((await keys.list()).length === 0) {
    try {
      const info = await keys.create(DEFAULT_KEY_NAME);
      firstRun.keyName = info.name;
      firstRun.updateKey = info.updateKey;
      await audit.record({ actor, action: 'key-create', target: info.name });
    } catch (err) {
      if (!lostRace(err, 'KEY_EXISTS')) throw err;
    }
  }
  if (await tokens.isEmpty()) {
    const keyName = firstRun.keyName ?? (await keys.list())[0]!.name;
    const created = await tokens.create(keyName, 'first-run');
    firstRun.token = created.token;
    firstRun.keyName ??= keyName;
    firstRun.updateKey ??= (await keys.info(keyName)).updateKey;
    await audit.record({ actor, action: 'token-create', target: created.record.id, details: { keyName, label: 'first-run' } });
  }
  if ((await admins.list()).length === 0) {
    const password = generatePassword();
    try {
      await admins.create(FIRST_ADMIN, password);
      firstRun.admin = { username: FIRST_ADMIN, password };
      await audit.record({ actor, action: 'admin-create', target: FIRST_ADMIN });
    } catch (err) {
      if (!lostRace(err, 'ADMIN_EXISTS')) throw err;
    }
  }
}
