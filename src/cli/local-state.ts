import { stat } from 'node:fs/promises';
import { openKeyStore, type KeyPurpose } from '../app/key-access.ts';
import { loadConfig } from '../config.ts';
import type { AuditEntry } from '../storage/audit-log.ts';
import { FolderAuditLog } from '../storage/audit/folder-audit-log.ts';
import { DataLayout } from '../storage/data-layout.ts';
import type { KeyStore } from '../storage/key-store.ts';
import { CliError, type CliContext } from './command.ts';

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * The keys folder (OUTPOST_KEYS). Run from an add-on's folder, the default ./keys is usually not
 * there; saying so beats the passphrase error that an empty key store would give. Only creating
 * or importing a key may start a new folder.
 */
export async function cliKeyStore(ctx: CliContext, purpose: KeyPurpose): Promise<{ store: KeyStore; notice?: string }> {
  const { keysDir } = loadConfig(ctx.env, ctx.cwd);
  if (purpose !== 'write' && !(await isDirectory(keysDir))) {
    throw new CliError('CLI_NO_KEYS_FOLDER', `no keys folder at ${keysDir}; set OUTPOST_KEYS to the folder that holds the publisher keys`);
  }
  return openKeyStore(loadConfig(ctx.env, ctx.cwd), purpose);
}

/** The data folder (OUTPOST_DATA) of an existing instance: commands that read its state must not invent an empty one. */
export async function existingDataLayout(ctx: CliContext): Promise<DataLayout> {
  const layout = new DataLayout(loadConfig(ctx.env, ctx.cwd).dataDir);
  if (!(await isDirectory(layout.root))) {
    throw new CliError('CLI_NO_DATA_FOLDER', `no data folder at ${layout.root}; set OUTPOST_DATA to the server's data folder`);
  }
  return layout;
}

/**
 * Records a change made from the command line in the data folder's audit log, as the admin pages
 * record theirs (actor `cli`; names and ids only, never a secret). Keys can be managed without any
 * server (signing like McCoy), so without a data folder the change is only noted, not logged.
 */
export async function auditCliChange(ctx: CliContext, entry: Omit<AuditEntry, 'at' | 'actor'>, done: string): Promise<void> {
  const layout = new DataLayout(loadConfig(ctx.env, ctx.cwd).dataDir);
  if (!(await isDirectory(layout.privateDir))) {
    ctx.stderr(`note: no data folder at ${layout.root} (OUTPOST_DATA), so this is in no audit log\n`);
    return;
  }
  try {
    await new FolderAuditLog(layout.auditFile).record({ actor: 'cli', ...entry });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CliError('CLI_AUDIT_FAILED', `${done}, but it could not be recorded in ${layout.auditFile} (${code})`, { cause: err });
  }
}
