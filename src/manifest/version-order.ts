import { compareVersions, sortNewestFirst } from '../version/toolkit-version.ts';

/**
 * sortNewestFirst, skipped when the items already are in that order: documents are built from
 * lists sorted once per record, and with a long history every re-sort costs n·log n version
 * comparisons (each parses both strings) per document.
 */
export function newestFirst<T>(items: readonly T[], version: (t: T) => string): T[] {
  for (let i = 1; i < items.length; i++) {
    if (compareVersions(version(items[i - 1]!), version(items[i]!)) < 0) return sortNewestFirst([...items], version);
  }
  return [...items];
}
