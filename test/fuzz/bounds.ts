/**
 * The per-input bounds every fuzz target must stay within, shared by the jsfuzz entry point
 * (jsfuzz-entry.cjs) and the corpus replay test, so both call the same thing a finding.
 * Inputs are at most a few KiB (jsfuzz truncates mutations to 4096 bytes), so an input that needs
 * a second of CPU or hundreds of MiB of memory shows a super-linear path an attacker can scale up.
 */
export const MAX_INPUT_MS = 1000;
export const MAX_INPUT_RSS_GROWTH_BYTES = 256 * 1024 * 1024;

export type FuzzTarget = (data: Buffer) => Promise<void>;

/**
 * Runs one input and throws when it broke a bound. maxRSS is the process's high-water mark, so its
 * growth during one input catches a short spike that the RSS sampled afterwards would miss.
 */
export async function runWithinBounds(fuzz: FuzzTarget, data: Buffer): Promise<void> {
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  await fuzz(data);
  const elapsedMs = performance.now() - started;
  const grewBytes = process.resourceUsage().maxRSS * 1024 - maxRssBefore;
  if (elapsedMs > MAX_INPUT_MS) {
    throw new Error(`HANG: one input took ${Math.round(elapsedMs)} ms (the bound is ${MAX_INPUT_MS} ms)`);
  }
  if (grewBytes > MAX_INPUT_RSS_GROWTH_BYTES) {
    throw new Error(`MEMORY: one input raised the peak RSS by ${Math.round(grewBytes / 2 ** 20)} MiB`);
  }
}
