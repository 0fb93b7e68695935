import { ForwardBits, ZstdInvalid } from './zstd-bits.ts';

/**
 * FSE decoding tables for the three sequence codes (RFC 8878 §4.1): how a state maps to a symbol and
 * to the bits that give the next state. Built from the predefined distributions, from one symbol
 * (RLE mode) or from a table description in the block, with libzstd's limits on symbols and
 * accuracy, so a description libzstd refuses is refused here too.
 */

export interface FseTable {
  readonly log: number;
  readonly symbol: Uint8Array;
  readonly nbBits: Uint8Array;
  readonly baseline: Uint32Array;
}

export interface CodeKind {
  readonly name: string;
  readonly maxSymbol: number;
  readonly maxLog: number;
  readonly predefined: FseTable;
}

const highBit = (value: number): number => 31 - Math.clz32(value);

/** Spreads the symbols over the states as RFC 8878 §4.1.1 describes (the same as libzstd). */
function buildTable(counts: readonly number[], log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const baseline = new Uint32Array(size);
  const next: number[] = [];
  let high = size - 1;
  counts.forEach((count, s) => {
    // "Less than 1" probabilities take one state each, from the top.
    if (count === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else next[s] = count;
  });
  const step = (size >> 1) + (size >> 3) + 3;
  let position = 0;
  counts.forEach((count, s) => {
    for (let i = 0; i < count; i++) {
      symbol[position] = s;
      do position = (position + step) & (size - 1);
      while (position > high);
    }
  });
  if (position !== 0) throw new ZstdInvalid('an FSE distribution does not fill its table');
  for (let state = 0; state < size; state++) {
    const s = symbol[state]!;
    const nextState = next[s]!;
    next[s] = nextState + 1;
    nbBits[state] = log - highBit(nextState);
    baseline[state] = (nextState << nbBits[state]!) - size;
  }
  return { log, symbol, nbBits, baseline };
}

/** Default distributions (RFC 8878 §3.1.1.3.2.2). */
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1,
  -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

export const LITERAL_LENGTHS: CodeKind = { name: 'literal length', maxSymbol: 35, maxLog: 9, predefined: buildTable(LL_DEFAULT, 6) };
export const MATCH_LENGTHS: CodeKind = { name: 'match length', maxSymbol: 52, maxLog: 9, predefined: buildTable(ML_DEFAULT, 6) };
export const OFFSETS: CodeKind = { name: 'offset', maxSymbol: 31, maxLog: 8, predefined: buildTable(OF_DEFAULT, 5) };

/** RLE mode: one symbol, no bits. */
export function rleTable(kind: CodeKind, value: number): FseTable {
  if (value > kind.maxSymbol) throw new ZstdInvalid(`an RLE ${kind.name} code is ${value}, above ${kind.maxSymbol}`);
  return { log: 0, symbol: Uint8Array.of(value), nbBits: Uint8Array.of(0), baseline: Uint32Array.of(0) };
}

/**
 * Reads a table description (normalized counts, RFC 8878 §4.1.1) from bytes[start, end) and builds
 * its table; `next` is where the description ends. Follows libzstd's FSE_readNCount.
 */
export function readFseTable(bytes: Uint8Array, start: number, end: number, kind: CodeKind): { table: FseTable; next: number } {
  const bits = new ForwardBits(bytes, start, end);
  const log = bits.read(4) + 5;
  if (log > kind.maxLog) throw new ZstdInvalid(`a ${kind.name} table has accuracy ${log}, above ${kind.maxLog}`);
  const counts: number[] = [];
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let width = log + 1;
  let previousZero = false;
  while (remaining > 1 && counts.length <= kind.maxSymbol) {
    if (previousZero) {
      // Runs of zero counts: 2-bit repeat flags, a 3 meaning "three more, and another flag".
      let repeat: number;
      do {
        repeat = bits.read(2);
        for (let i = 0; i < repeat; i++) counts.push(0);
      } while (repeat === 3);
      if (counts.length > kind.maxSymbol) break;
    }
    const max = 2 * threshold - 1 - remaining;
    let value = bits.peek(width - 1);
    if (value < max) bits.skip(width - 1);
    else {
      value = bits.peek(width);
      if (value >= threshold) value -= max;
      bits.skip(width);
    }
    const count = value - 1;
    remaining -= Math.abs(count);
    counts.push(count);
    previousZero = count === 0;
    if (remaining < threshold) {
      if (remaining <= 1) break;
      width = highBit(remaining) + 1;
      threshold = 1 << (width - 1);
    }
  }
  if (remaining !== 1 || counts.length > kind.maxSymbol + 1) throw new ZstdInvalid(`a ${kind.name} table description is corrupt`);
  return { table: buildTable(counts, log), next: bits.nextByte };
}
