import { PublishError } from './publish-errors.ts';

/** Hosted release notes: plain text per locale ('' = default), small enough to keep in the record. */
const NOTES_LOCALE = /^$|^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const MAX_NOTES_BYTES = 64 * 1024;

export function checkReleaseNotes(notes: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!notes) return undefined;
  const entries = Object.entries(notes).filter(([, text]) => text.trim() !== '');
  if (entries.length === 0) return undefined;
  for (const [locale] of entries) {
    if (!NOTES_LOCALE.test(locale)) throw new PublishError('RELEASE_NOTES_INVALID', `"${locale}" is not a locale such as de or pt-BR.`);
  }
  if (entries.reduce((n, [, t]) => n + Buffer.byteLength(t), 0) > MAX_NOTES_BYTES) {
    throw new PublishError('RELEASE_NOTES_INVALID', `Release notes are limited to ${MAX_NOTES_BYTES / 1024} KiB.`);
  }
  return Object.fromEntries(entries);
}
