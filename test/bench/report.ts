/** One line of the final table: a figure, the reference measured in the same run, and the verdict. */
export interface Row {
  benchmark: string;
  outpost: string;
  reference: string;
  ratio: string;
  target: string;
  /** undefined for rows that are context, not goals. */
  pass?: boolean;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'Outpost', 'reference', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [r.benchmark, r.outpost, r.reference, r.ratio, r.target, r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'MISS']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
/** Decimal megabytes (10^6 bytes), the unit the targets are stated in. */
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const times = (v: number) => `${v.toFixed(2)}×`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
