import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkEmptyTarget, copyDeployment } from '../../app/storage-copy.ts';
import { loadConfig } from '../../config.ts';
import { lockDataFolder, type HeldLock } from '../../storage/file-lock.ts';
import { openDeployment } from '../../storage/objects/deployment.ts';
import { ObjectStoreError } from '../../storage/objects/object-store.ts';
import { describeLocation, parseStorageLocation, type StorageLocation } from '../../storage/objects/storage-location.ts';
import type { Command } from '../command.ts';
import { optionString, resolvePath } from '../files.ts';

/**
 * A folder side is locked as a server locks it: no server may write while it is copied. A source
 * folder must be a deployment; a target folder is made.
 */
async function lockFolder(location: StorageLocation, side: 'from' | 'to'): Promise<HeldLock | undefined> {
  if (location.kind !== 'folder') return undefined;
  const privateDir = path.join(location.dir, 'private');
  if (side === 'to') await mkdir(privateDir, { recursive: true, mode: 0o700 });
  else if (!(await stat(privateDir).then((s) => s.isDirectory(), () => false))) {
    throw new ObjectStoreError('STORAGE_LOCATION_INVALID', `${location.dir} holds no Outpost deployment (no private/ folder); give the folder OUTPOST_DATA names.`);
  }
  return lockDataFolder(path.join(privateDir, 'server.lock'), location.dir);
}

/** Folders that overlap would copy a deployment into itself, or private files into a served tree. */
function checkApart(from: StorageLocation, to: StorageLocation, fromKeys: string, toKeys: string): void {
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}${path.sep}`);
  const folders = [from.kind === 'folder' ? [from.dir, fromKeys] : [], to.kind === 'folder' ? [to.dir, toKeys] : []];
  for (const a of folders[0]!) {
    for (const b of folders[1]!) {
      if (inside(a, b) || inside(b, a)) throw new ObjectStoreError('STORAGE_LOCATION_INVALID', `${a} and ${b} overlap: copy into a folder outside the deployment.`);
    }
  }
  if (from.kind === 's3' && to.kind === 's3' && from.bucket === to.bucket && (from.prefix.startsWith(to.prefix) || to.prefix.startsWith(from.prefix))) {
    throw new ObjectStoreError('STORAGE_LOCATION_INVALID', `s3://${from.bucket}/${from.prefix} and s3://${to.bucket}/${to.prefix} overlap: copy into another prefix.`);
  }
}

export const storageCopyCommand: Command = {
  path: ['storage', 'copy'],
  usage: 'storage copy <from> <to> [--from-keys DIR] [--to-keys DIR]',
  summary: 'Copy a whole deployment between a folder and an S3 bucket, checking every object.',
  help: `Copies every object of a deployment (packages, served documents, records, tokens, admins, the audit log, and the encrypted publisher keys) from <from> to <to>, each a data folder or s3://<bucket>[/<prefix>]. Each object is hashed (sha256) as it is read, written, then read back from the target and hashed again; any difference stops the copy. The target must be empty, so nothing there is overwritten. Public objects get the Content-Type and Cache-Control they are served with, so nginx can serve them straight from the bucket (nginx/outpost-s3.conf).

In a bucket the keys live under private/keys/ (encrypted, as on disk); on disk they live in the keys folder (OUTPOST_KEYS, or the options below). The generated key passphrase (<keys>/passphrase) is never copied: set OUTPOST_KEY_PASSPHRASE where the copy is used. A folder side is locked like a server locks it, so stop the server that uses it first.

The S3 client reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL); OUTPOST_S3_FORCE_PATH_STYLE=true puts the bucket in the path, as Ceph and MinIO often need.

Options:
  --from-keys DIR  the keys folder of a folder <from> (default OUTPOST_KEYS)
  --to-keys DIR    the keys folder of a folder <to> (default OUTPOST_KEYS)

Examples:
  outpost storage copy /var/lib/outpost/storage s3://updates-example/outpost
  outpost storage copy s3://updates-example/outpost /srv/restore/storage --to-keys /srv/restore/keys`,
  options: { 'from-keys': { type: 'string' }, 'to-keys': { type: 'string' } },
  positionals: [2, 2],
  async run({ values, positionals }, ctx) {
    const config = loadConfig(ctx.env, ctx.cwd);
    const [from, to] = positionals.map((p) => parseStorageLocation(p, ctx.cwd)) as [StorageLocation, StorageLocation];
    const keysOf = (option: string) => {
      const given = optionString(values, option);
      return given === undefined ? config.keysDir : resolvePath(ctx, given);
    };
    const fromKeys = keysOf('from-keys');
    if (from.kind === 'folder' && !(await stat(fromKeys).then((st) => st.isDirectory(), () => false))) {
      throw new ObjectStoreError('STORAGE_LOCATION_INVALID', `The keys folder ${fromKeys} does not exist: a copy without the publisher keys could not sign anything. Give it with --from-keys (or OUTPOST_KEYS).`);
    }
    checkApart(from, to, fromKeys, keysOf('to-keys'));
    const locks: HeldLock[] = [];
    const source = openDeployment(from, { keysDir: fromKeys, s3: config.s3 });
    const target = openDeployment(to, { keysDir: keysOf('to-keys'), s3: config.s3 });
    try {
      // Before a target folder is made or locked: a refused copy changes nothing there.
      await checkEmptyTarget(target);
      for (const [side, location] of [['from', from], ['to', to]] as const) {
        const lock = await lockFolder(location, side);
        if (lock) locks.push(lock);
      }
      let shown = 0;
      const report = await copyDeployment(source, target, (r) => {
        if (ctx.isTTY && r.objects - shown >= 100) {
          shown = r.objects;
          ctx.stderr(`\r${r.objects} objects, ${(r.bytes / 1e6).toFixed(1)} MB`);
        }
      });
      if (shown) ctx.stderr('\n');
      for (const s of report.skipped) ctx.stderr(`not copied: ${s.key}: ${s.reason}\n`);
      ctx.stdout(`Copied ${report.objects} object${report.objects === 1 ? '' : 's'} (${report.bytes} bytes) from ${describeLocation(from)} to ${describeLocation(to)}; every one read back and verified.\n`);
      return 0;
    } finally {
      for (const lock of locks) await lock.release();
      await source.close();
      await target.close();
    }
  },
};
