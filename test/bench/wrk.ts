import type { Scratch } from './processes.ts';
import { timedCommand } from './processes.ts';

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx answers plus socket errors: a fast benchmark of errors measures nothing. */
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`wrk output has no ${percentile}% latency:\n${output}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Parses `wrk --latency` output (wrk 4.x). */
export function parseWrk(output: string): WrkResult {
  const rps = /^Requests\/sec:\s*([\d.]+)/m.exec(output);
  const total = /^\s*(\d+) requests in /m.exec(output);
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSec: Number(rps[1]), p50Ms: latencyMs(output, '50'), p99Ms: latencyMs(output, '99'), requests: Number(total[1]), errors };
}

export async function runWrk(scratch: Scratch, url: string, opts: { seconds: number; connections: number; threads: number; script?: string }): Promise<WrkResult> {
  const script = opts.script ? ['-s', opts.script] : [];
  const r = await timedCommand(scratch, 'wrk', [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--timeout', '5s', '--latency', ...script, url]);
  if (r.code !== 0) throw new Error(`wrk failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
  return parseWrk(r.stdout);
}
