import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Exact file mode (applied with chmod, so the umask cannot widen or narrow it). */
  mode?: number;
  /** When false, fail with an EEXIST error instead of replacing an existing file. Default true. */
  overwrite?: boolean;
}

/** Hidden, with a random part, so no reader mistakes it for a real file and two writers never collide. */
export function isAtomicTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** Where a write to `file` is prepared: same folder (rename is atomic only within one file system). */
export function atomicTempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Readers see either the old file or the complete new one, never a part, and the result survives
 * a power cut: write a temp file in the same directory (rename is atomic only within one file
 * system), fsync it, move it into place, then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const temp = atomicTempPath(file);
  const handle = await open(temp, 'wx', options.mode ?? 0o666);
  let published = false;
  try {
    try {
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite === false) {
      // link() refuses an existing target, which rename() would silently replace.
      await link(temp, file);
      published = true;
      await unlink(temp);
    } else {
      await rename(temp, file);
      published = true;
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    // Once the file is in place the write has happened; a leftover temp name is only clutter.
    if (!published) throw err;
  }
  await fsyncDirectory(dir);
}

/** Makes the bytes of a file written without fsync durable (before a rename publishes it). */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Makes renames, links and unlinks in `dir` durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms cannot fsync a directory; there is nothing more to do there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
}
