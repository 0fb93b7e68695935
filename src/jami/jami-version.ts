/**
 * Version quirks of the two programs that decide whether a Jami plugin is an update (spec §4):
 * the Qt client compares dot-separated parts as numbers, but only when both versions have the same
 * number of parts; the daemon compares the strings as plain byte strings. So 1.9 → 1.10 is an
 * update for the client and refused by the daemon; 1.0 → 1.0.1 is one for the daemon only.
 */
export type JamiVersionWarningCode = 'JPL_VERSION_NOT_NEWER_CLIENT' | 'JPL_VERSION_NOT_NEWER_DAEMON';

export interface JamiVersionWarning {
  readonly code: JamiVersionWarningCode;
  readonly message: string;
}

/** A part the client cannot read as a number counts as 0, as Qt's QString::toInt gives on failure. */
function numericPart(part: string): number {
  return /^\d+$/.test(part) ? Number(part) : 0;
}

/** Whether the Qt client offers `next` as an update of `previous`. */
export function isNewerForClient(previous: string, next: string): boolean {
  const a = previous.split('.');
  const b = next.split('.');
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = numericPart(a[i]!);
    const y = numericPart(b[i]!);
    if (y !== x) return y > x;
  }
  return false;
}

/** Whether the daemon installs `next` over `previous` (plain string comparison). */
export function isNewerForDaemon(previous: string, next: string): boolean {
  return Buffer.compare(Buffer.from(next, 'utf8'), Buffer.from(previous, 'utf8')) > 0;
}

/** Warnings for the uploader when `next` would not be seen as newer than `previous` by both. */
export function jamiVersionWarnings(previous: string, next: string): JamiVersionWarning[] {
  const warnings: JamiVersionWarning[] = [];
  if (!isNewerForClient(previous, next)) {
    const why =
      previous.split('.').length !== next.split('.').length
        ? `the client only compares versions with the same number of parts (${previous} has ${previous.split('.').length}, ${next} has ${next.split('.').length})`
        : `the client compares each part as a number and ${next} is not higher than ${previous}`;
    warnings.push({ code: 'JPL_VERSION_NOT_NEWER_CLIENT', message: `Jami clients will not offer ${next} as an update of ${previous}: ${why}.` });
  }
  if (!isNewerForDaemon(previous, next)) {
    warnings.push({
      code: 'JPL_VERSION_NOT_NEWER_DAEMON',
      message: `The Jami daemon will refuse to install ${next} over ${previous}: it compares versions as plain text, and "${next}" does not sort after "${previous}". Choose a version that is higher both numerically and as text (e.g. keep the same number of digits).`,
    });
  }
  return warnings;
}
