import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeRelativePath, isSafeSegment, MAX_SEGMENT_LENGTH } from '../../../src/names/safe-segment.ts';
import { isValidAddonId, isValidTargetPlatform } from '../../../src/package/addon-identity.ts';

const ROOT = '/srv/outpost/public/updates/owner@example.org';

/** What the grammar promises: a safe name, joined to any folder, stays a direct child of it. */
function staysInside(name: string): boolean {
  const full = path.resolve(ROOT, name);
  return path.dirname(full) === ROOT && path.basename(full) === name;
}

const anyText = fc.string({ unit: 'binary', maxLength: 300 });
const nameLike = fc.stringMatching(/^[A-Za-z0-9._@+{}~%\\/ -]{0,40}$/);

describe('the name grammar (property-based)', () => {
  it('every accepted segment is a direct child of any folder, on any input', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nameLike), (name) => {
        if (isSafeSegment(name)) expect(staysInside(name)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('never accepts separators, dot segments, leading dots, control or non-ASCII characters', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nameLike), (name) => {
        if (!isSafeSegment(name)) return;
        expect(name).not.toMatch(/[/\\\u0000-\u001f\u007f-\uffff]/);
        expect(name.startsWith('.')).toBe(false);
        expect(name.endsWith('.')).toBe(false);
        expect(name.includes('..')).toBe(false);
        expect(name.length).toBeLessThanOrEqual(MAX_SEGMENT_LENGTH);
        // One spelling only: no percent escapes that a URL layer could decode into something else.
        expect(name.includes('%')).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('is stable under URL encoding: an accepted segment decodes to itself', () => {
    fc.assert(
      fc.property(nameLike, (name) => {
        if (isSafeSegment(name)) expect(decodeURIComponent(encodeURIComponent(name))).toBe(name);
      }),
    );
  });

  it('relative paths of safe segments stay inside their root', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(nameLike, fc.constantFrom('..', '.', '', '/')), { maxLength: 6 }), (parts) => {
        const relative = parts.join('/');
        if (!isSafeRelativePath(relative)) return;
        expect(path.resolve(ROOT, relative).startsWith(`${ROOT}/`)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('add-on ids and target platforms that pass are safe segments', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nameLike, fc.emailAddress()), (value) => {
        if (isValidAddonId(value)) expect(isSafeSegment(value)).toBe(true);
        if (isValidTargetPlatform(value)) expect(isSafeSegment(value)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts the names real packages use', () => {
    for (const name of ['addon@example.org', '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}', '1.0b2pre', '2.0.0+build.5', 'WINNT_x86-msvc', 'Linux_x86_64-gcc3', 'toolkit@mozilla.org']) {
      expect(isSafeSegment(name)).toBe(true);
    }
  });
});
