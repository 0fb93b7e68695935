/**
 * Every socket read of a request body arrives as a new Buffer (Node's HTTP parser copies it), dead
 * as soon as it is copied into a staging slot, yet V8 frees it only when it next collects garbage
 * and counts it as external memory until then. `npm start` bounds the old generation
 * (--heap-growing-percent, README "Memory and start-up"); under that bound the dead reads of one
 * 200 MB upload made V8 run a full mark-compact every ~50 ms, 34 in six uploads, each upload
 * ~100 ms slower. A young-generation collection every few MiB of body frees them for about half a
 * millisecond instead. It needs `--expose-gc` (npm start and the shipped systemd unit pass it);
 * without it nothing is collected here and V8 alone decides.
 */
export const STEP_BYTES = 8 << 20;

type Collect = (options: { type: 'minor' }) => void;

/** A counter of body bytes read and let go that collects the young generation every `stepBytes`. */
export function youngCollector(collect: Collect | undefined, stepBytes = STEP_BYTES): (bytes: number) => void {
  let sinceLast = 0;
  return (bytes) => {
    if (!collect) return;
    sinceLast += bytes;
    if (sinceLast < stepBytes) return;
    sinceLast = 0;
    collect({ type: 'minor' });
  };
}

/**
 * The process's counter: every upload's and every download's bytes count towards the same
 * collections (downloads: http/sent-bodies.ts).
 */
export const bodyBytesPassed = youngCollector(globalThis.gc);
