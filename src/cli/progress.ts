import type { CliContext } from './command.ts';

/** One self-overwriting stderr line: percent, bytes, rate; redrawn at most ten times a second. */
export function progressLine(ctx: CliContext): { update: (sent: number, total: number) => void; finish: () => void } {
  const start = performance.now();
  let lastDraw = -Infinity;
  let width = 0;
  return {
    update(sent, total) {
      const now = performance.now();
      if (sent < total && now - lastDraw < 100) return;
      lastDraw = now;
      const percent = total > 0 ? Math.floor((sent * 100) / total) : 100;
      const seconds = (now - start) / 1000;
      const rate = seconds > 0 ? sent / seconds : 0;
      const text = `Uploading ${String(percent).padStart(3)}%  ${bytes(sent)} / ${bytes(total)}  ${bytes(rate)}/s`;
      ctx.stderr(`\r${text.padEnd(width)}`);
      width = text.length;
    },
    finish() {
      if (width > 0) ctx.stderr('\n');
    },
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}
