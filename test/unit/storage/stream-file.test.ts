import { createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { removeStreamFile } from '../../../src/storage/stream-file.ts';

describe('removing the file of a failed write stream', () => {
  it('leaves no file even when the stream had not opened it yet', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outpost-stream-'));
    for (let i = 0; i < 50; i++) {
      const file = path.join(dir, `f${i}`);
      // Removed in the same tick the stream was made: its open is still in flight.
      await removeStreamFile(createWriteStream(file, { flags: 'wx' }), file);
      await turn();
      expect(existsSync(file)).toBe(false);
    }
  });
});
