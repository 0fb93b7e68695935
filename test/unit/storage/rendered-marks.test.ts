import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderedMarks } from '../../../src/storage/rendered-marks.ts';

function marksIn(): { marks: RenderedMarks; dir: string; file: string; legacy: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'outpost-marks-'));
  const file = path.join(dir, 'rendered.log');
  const legacy = path.join(dir, 'rendered');
  return { marks: new RenderedMarks(file, legacy), dir, file, legacy };
}

describe('rendered marks', () => {
  it('keeps the last mark per id, across concurrent appends', async () => {
    const { marks } = marksIn();
    await Promise.all([marks.mark('a@x', 1), marks.mark('b@x', 1), marks.mark('a@x', 2), marks.mark('c@x', 7)]);
    await marks.mark('b@x', 3);
    const loaded = marks.load();
    expect(Object.fromEntries(loaded.marks)).toEqual({ 'a@x': 2, 'b@x': 3, 'c@x': 7 });
    expect(loaded).toMatchObject({ lines: 5, migrated: false });
  });

  it('ignores a torn last line and lines that are not marks: those add-ons are rendered again', async () => {
    const { marks, file } = marksIn();
    await marks.mark('a@x', 4);
    appendFileSync(file, 'junk\n\tx\nb@x\t-1\nc@x\t1.5\nd@x\t2');
    expect(Object.fromEntries(marks.load().marks)).toEqual({ 'a@x': 4 });
    // A torn file is rewritten before the next append, which would otherwise join the torn line.
    writeFileSync(file, 'a@x\t4\nb@x\t');
    const torn = marks.load();
    expect(torn).toMatchObject({ torn: true, lines: 1 });
    await marks.compact(torn.marks);
    await marks.mark('c@x', 9);
    expect(marks.load()).toMatchObject({ torn: false, lines: 2 });
    expect(Object.fromEntries(marks.load().marks)).toEqual({ 'a@x': 4, 'c@x': 9 });
  });

  it('migrates a folder of per-add-on mark files once, then reads only the log', async () => {
    const { marks, file, legacy } = marksIn();
    mkdirSync(legacy);
    writeFileSync(path.join(legacy, 'a@x'), '3\n');
    writeFileSync(path.join(legacy, '{0a1b2c3d-0000-0000-0000-000000000000}'), '12\n');
    writeFileSync(path.join(legacy, '.a@x.0a1b2c3d4e5f.tmp'), 'partial');
    const first = marks.load();
    expect(first.migrated).toBe(true);
    expect(Object.fromEntries(first.marks)).toEqual({ 'a@x': 3, '{0a1b2c3d-0000-0000-0000-000000000000}': 12 });
    await marks.compact(first.marks);
    expect(existsSync(legacy)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('a@x\t3\n{0a1b2c3d-0000-0000-0000-000000000000}\t12\n');
    expect(marks.load()).toMatchObject({ lines: 2, migrated: false });
  });

  it('refuses an id that would break the line format', async () => {
    const { marks } = marksIn();
    await expect(marks.mark('a\tb', 1)).rejects.toThrow(/refusing/);
    await expect(marks.mark('a\nb', 1)).rejects.toThrow(/refusing/);
  });
});
