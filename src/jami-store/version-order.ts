import { isNewerForClient, isNewerForDaemon } from '../jami/jami-version.ts';

/**
 * Order for "newest": numerically part by part (the client's view), plain text as a tie-break
 * (the daemon's), so the store never offers a version that neither would take as newer.
 */
export function compareJamiVersions(a: string, b: string): number {
  if (a === b) return 0;
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  if (isNewerForClient(b, a) || isNewerForDaemon(b, a)) return 1;
  return a < b ? -1 : 1;
}
