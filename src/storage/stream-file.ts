import type { WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';

/**
 * Removes the file a failed write stream was writing. The stream opens its file asynchronously:
 * removing it before that open has finished would let the open create the file afterwards, and
 * a refused upload would leave an empty temp file behind. So wait until the stream has closed.
 */
export async function removeStreamFile(stream: WriteStream, file: string): Promise<void> {
  if (!stream.closed) {
    stream.destroy();
    await once(stream, 'close').catch(() => undefined);
  }
  await rm(file, { force: true });
}
