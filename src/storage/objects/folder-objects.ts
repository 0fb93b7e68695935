import type { BigIntStats } from 'node:fs';
import { chmod, link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { atomicTempPath, fsyncDirectory, syncFile } from '../atomic-write.ts';
import { isSafeSegment } from '../../names/safe-segment.ts';
import { withFileLock } from '../file-lock.ts';
import { checkObjectKey, ObjectStoreError, type ByteRange, type ObjectBody, type ObjectInfo, type ObjectStore, type PutOptions } from './object-store.ts';

/**
 * The object-store port on a local folder (OUTPOST_DATA, or a keys folder mounted at a prefix):
 * keys are relative paths, writes are atomic (temp file, fsync, rename, fsync of the folder).
 * Content-Type and Cache-Control are not stored: the folder's server derives them from the key.
 * Hidden files (leftover temp files of an interrupted write, a clone's .gitkeep), uploads in
 * progress and the server's lock are not objects. Conditional writes check the ETag and rename under a lock file.
 */
/**
 * Every write makes a new file (a temp file renamed into place), so inode, size and modification
 * time in nanoseconds together change with each one, where size and milliseconds could repeat.
 */
function etagOf(info: BigIntStats): string {
  return `"${info.ino.toString(36)}-${info.size.toString(36)}-${info.mtimeNs.toString(36)}"`;
}

/** Named like an atomic-write temp file, so listings and start-up treat it as one. */
function lockPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.lock.tmp`);
}

/** Run-time state of a folder deployment, not data: uploads in progress and the server's lock. */
const NOT_OBJECTS = new Set(['private/tmp', 'private/server.lock', 'private/bucket-catalog']);

export class FolderObjects implements ObjectStore {
  readonly location: string;

  /** `prefix`: the key prefix this folder holds (e.g. "private/keys/" for a keys folder). */
  constructor(
    private readonly root: string,
    private readonly prefix = '',
  ) {
    this.location = path.resolve(root);
  }

  private file(key: string): string {
    checkObjectKey(key, this.location);
    if (!key.startsWith(this.prefix)) throw new ObjectStoreError('STORAGE_KEY_INVALID', `${key} is not under ${this.prefix} in ${this.location}.`);
    return path.join(this.location, ...key.slice(this.prefix.length).split('/'));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const found: ObjectInfo[] = [];
    // Only the folder the prefix names is walked: listing private/sessions/ must not read every
    // package under public/. (A prefix above this store's own walks all of it.)
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const below = folder.startsWith(this.prefix) ? folder.slice(this.prefix.length).split('/').filter(Boolean) : undefined;
    if (below?.every((s) => isSafeSegment(s))) await this.walk(path.join(this.location, ...below), folder, found);
    else if (this.prefix.startsWith(folder)) await this.walk(this.location, this.prefix, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found.filter((o) => o.key.startsWith(prefix));
  }

  private async walk(dir: string, keyPrefix: string, found: ObjectInfo[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const entry of entries) {
      const key = `${keyPrefix}${entry.name}`;
      // Hidden names are never keys (no segment starts with a dot): temp files of a write under way,
      // lock files, and what a clone or a desktop leaves (keys/.gitkeep, .DS_Store).
      if (entry.name.startsWith('.') || NOT_OBJECTS.has(key)) continue;
      // A name Outpost never writes (a copy someone left, "update copy.rdf") is no object: skipped,
      // so one stray file cannot fail every listing of its folder. Links and devices still refuse.
      if ((entry.isFile() || entry.isDirectory()) && !isSafeSegment(entry.name)) continue;
      if (entry.isDirectory()) await this.walk(path.join(dir, entry.name), `${key}/`, found);
      else if (entry.isFile()) {
        const info = await stat(path.join(dir, entry.name), { bigint: true });
        found.push({ key: checkObjectKey(key, this.location), size: Number(info.size), etag: etagOf(info) });
      }
      else throw new ObjectStoreError('STORAGE_KEY_INVALID', `${path.join(dir, entry.name)} is neither a file nor a folder; Outpost writes only those.`);
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    const file = this.file(key);
    // Opened first, then described: the ETag is that of the very file the bytes come from, even
    // when a writer replaces or removes the name at the same moment.
    const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!handle) return undefined;
    const info = await handle.stat({ bigint: true }).catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    if (!info.isFile()) {
      await handle.close();
      return undefined;
    }
    const stream = handle.createReadStream({ highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end } : {}) });
    return { key, size: Number(info.size), etag: etagOf(info), lastModified: new Date(Number(info.mtimeMs)), stream, ...(range ? { range } : {}) };
  }

  private async currentEtag(file: string): Promise<string | undefined> {
    const info = await stat(file, { bigint: true }).catch(() => undefined);
    return info?.isFile() ? etagOf(info) : undefined;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await stat(this.file(key)).catch(() => undefined);
    return info?.isFile() ? { key, size: info.size } : undefined;
  }

  /**
   * A rename within the data folder's file system (staged uploads live in private/tmp). Staging
   * does not wait for the disk, so the bytes are made durable here, before the name: a power cut
   * must not leave a published package name over a file the disk never received.
   */
  async adopt(file: string, key: string, _size: number): Promise<void> {
    await syncFile(file);
    await this.rename(file, this.file(key), key);
  }

  async move(from: string, to: string): Promise<void> {
    await this.rename(this.file(from), this.file(to), to);
    await this.pruneFolders(from);
  }

  /** Durable once it returns; public objects must be readable by a separate nginx user. */
  private async rename(from: string, target: string, key: string): Promise<void> {
    const isPublic = key.startsWith('public/');
    await chmod(from, isPublic ? 0o644 : 0o600);
    await inFolder(path.dirname(target), isPublic, () => rename(from, target));
    await fsyncDirectory(path.dirname(target));
  }

  async put(key: string, body: Buffer | Readable, size: number, options: PutOptions = {}): Promise<{ etag: string }> {
    const file = this.file(key);
    const isPublic = key.startsWith('public/');
    const temp = atomicTempPath(file);
    const created = await inFolder(path.dirname(file), isPublic, () => open(temp, 'wx', isPublic ? 0o644 : 0o600));
    let etag: string;
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, created.createWriteStream());
      // The bytes reach the disk before the name does: a power cut leaves the old object or the new one.
      const handle = await open(temp, 'r');
      let written: BigIntStats;
      try {
        // Exactly these modes, whatever the umask (a systemd UMask=0077 must not hide documents from nginx).
        await handle.chmod(isPublic ? 0o644 : 0o600);
        await handle.sync();
        written = await handle.stat({ bigint: true });
      } finally {
        await handle.close();
      }
      if (Number(written.size) !== size) throw new ObjectStoreError('STORAGE_UNAVAILABLE', `${key}: ${written.size} bytes arrived, ${size} were announced.`);
      // Our file's ETag, taken before its name is published: a link or rename keeps inode, size
      // and mtime, and a stat of the name afterwards could describe another writer's file already.
      etag = etagOf(written);
      // link() refuses an existing target, which rename() would replace.
      if (options.ifAbsent) {
        await link(temp, file).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new ObjectStoreError('STORAGE_PRECONDITION_FAILED', `${key} exists already.`) : err;
        });
        await unlink(temp);
      } else if (options.ifMatch !== undefined) {
        // Check and rename under one lock, so two writers that read the same ETag cannot both win.
        const ifMatch = options.ifMatch;
        await withFileLock(lockPath(file), async () => {
          if ((await this.currentEtag(file)) !== ifMatch) throw new ObjectStoreError('STORAGE_PRECONDITION_FAILED', `${key} changed since it was read.`);
          await rename(temp, file);
        });
      } else await rename(temp, file);
    } catch (err) {
      await created.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw err;
    }
    await fsyncDirectory(path.dirname(file));
    return { etag };
  }

  /** Folders it leaves empty go too (below public/<area>/ and private/<area>/), as a bucket has none. */
  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
    await this.pruneFolders(key);
  }

  /** The folders above `key` that are now empty. */
  private async pruneFolders(key: string): Promise<void> {
    // The data folder keeps its areas (public/files, private/addons…); a keys folder keeps itself.
    const keep = this.prefix ? this.location : path.join(this.location, ...key.split('/').slice(0, 2));
    for (let dir = path.dirname(this.file(key)); dir.startsWith(keep + path.sep); dir = path.dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break;
    }
  }

  async close(): Promise<void> {}
}

/**
 * Makes `dir`, then runs `create` in it. A remove elsewhere in the folder prunes it when it looks
 * empty (pruneFolders), which it does between our mkdir and our file: that ENOENT, with the folder
 * gone, means make it again; any other (a missing source, say) is the caller's.
 */
async function inFolder<T>(dir: string, isPublic: boolean, create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dir, { recursive: true, mode: isPublic ? 0o755 : 0o700 });
    try {
      return await create();
    } catch (err) {
      const pruned = (err as NodeJS.ErrnoException).code === 'ENOENT' && !(await stat(dir).then(() => true, () => false));
      if (!pruned || attempt >= 5) throw err;
    }
  }
}
