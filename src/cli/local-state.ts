import { stat } from 'node:fs/promises';
import { KeyAccessError, openKeyStore, resolvePassphrase, type KeyPurpose } from '../app/key-access.ts';
import { loadConfig, type Config } from '../config.ts';
import type { AuditEntry, AuditLog } from '../storage/audit-log.ts';
import { openAuditLog } from '../storage/audit/open-audit-log.ts';
import { DataLayout } from '../storage/data-layout.ts';
import { KeyStore } from '../storage/key-store.ts';
import { FolderObjects } from '../storage/objects/folder-objects.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { S3Objects } from '../storage/objects/s3-objects.ts';
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
  const config = loadConfig(ctx.env, ctx.cwd);
  const { keysDir } = config;
  if (config.bucket) return { store: await bucketKeyStore(config, purpose) };
  if (purpose !== 'write' && !(await isDirectory(keysDir))) {
    throw new CliError('CLI_NO_KEYS_FOLDER', `no keys folder at ${keysDir}; set OUTPOST_KEYS to the folder that holds the publisher keys`);
  }
  return openKeyStore(loadConfig(ctx.env, ctx.cwd), purpose);
}

/** The keys a bucket deployment's servers use (private/keys/ in it); the passphrase only from the environment. */
async function bucketKeyStore(config: Config, purpose: KeyPurpose): Promise<KeyStore> {
  const { passphrase } = await resolvePassphrase(config, false);
  if (!passphrase && purpose !== 'read') {
    throw new KeyAccessError('KEY_PASSPHRASE_MISSING', 'OUTPOST_STORAGE names a bucket: set OUTPOST_KEY_PASSPHRASE or OUTPOST_KEY_PASSPHRASE_FILE to the passphrase its servers use.');
  }
  return new KeyStore(new S3Objects(config.bucket!, config.s3), passphrase ?? '');
}

/**
 * The deployment the command changes, as a server started with the same environment would see
 * it: the bucket of OUTPOST_STORAGE, else the data folder (which must exist).
 */
export async function cliDeployment(ctx: CliContext): Promise<{ objects: ObjectStore; audit: AuditLog; auditFile?: string }> {
  const config = loadConfig(ctx.env, ctx.cwd);
  if (config.bucket) {
    const objects = new S3Objects(config.bucket, config.s3);
    return { objects, audit: openAuditLog({ objects }) };
  }
  const layout = await existingDataLayout(ctx);
  await layout.ensure();
  return { objects: new FolderObjects(layout.root), audit: openAuditLog({ file: layout.auditFile }), auditFile: layout.auditFile };
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
  const config = loadConfig(ctx.env, ctx.cwd);
  const layout = new DataLayout(config.dataDir);
  if (!config.bucket && !(await isDirectory(layout.privateDir))) {
    ctx.stderr(`note: no data folder at ${layout.root} (OUTPOST_DATA), so this is in no audit log\n`);
    return;
  }
  const { audit } = await cliDeployment(ctx);
  const where = config.bucket ? `s3://${config.bucket.bucket}/${config.bucket.prefix}private/audit/` : layout.auditFile;
  try {
    await audit.record({ actor: 'cli', ...entry });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown error';
    throw new CliError('CLI_AUDIT_FAILED', `${done}, but it could not be recorded in ${where} (${code})`, { cause: err });
  }
}
