/**
 * One memory budget for everything kept to answer requests (static documents, dynamic answers,
 * serving plans, catalog records): a least-recently-used map whose entries carry their size in
 * bytes. Sharing one map makes the budget global: whichever kind of entry is coldest goes first,
 * so a burst of one kind cannot push the process past the budget by filling its own cache.
 *
 * A Map iterates in insertion order, so re-inserting an entry moves it to the young end. A hit on
 * an entry that is still in the younger half is not moved: the hottest entries then cost a plain
 * lookup, and the order is still exact for everything that can be evicted next.
 */
interface Slot {
  value: unknown;
  bytes: number;
  /** The clock when it last moved to the young end. */
  moved: number;
}

/** Rough per-entry overhead (Map slot, key string header, the Slot object) added to every size. */
export const ENTRY_OVERHEAD_BYTES = 96;

export class ByteLru {
  private readonly slots = new Map<string, Slot>();
  private total = 0;
  /** Counts moves to the young end: an entry moved less than size/2 moves ago is young. */
  private clock = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError('maxBytes must be positive');
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.slots.size;
  }

  /** The value, marked as just used. */
  get<V>(key: string): V | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (this.clock - slot.moved > this.slots.size >> 1) {
      this.slots.delete(key);
      this.slots.set(key, slot);
      slot.moved = ++this.clock;
    }
    return slot.value as V;
  }

  /** The value without touching its recency (for checks that are not a use). */
  peek<V>(key: string): V | undefined {
    return this.slots.get(key)?.value as V | undefined;
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /**
   * Stores `value` as `bytes` big (plus the key and overhead). An entry larger than an eighth of
   * the budget is not kept: one huge document must not flush everything else. Returns whether
   * it was kept.
   */
  set(key: string, value: unknown, bytes: number): boolean {
    this.delete(key);
    const size = this.sizeOf(key, bytes);
    if (size > this.maxBytes / 8) return false;
    this.slots.set(key, { value, bytes: size, moved: ++this.clock });
    this.total += size;
    this.evict();
    return this.slots.has(key);
  }

  /** Changes the recorded size of an entry that grew or shrank in place (a plan's memo). */
  resize(key: string, bytes: number): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const size = this.sizeOf(key, bytes);
    this.total += size - slot.bytes;
    slot.bytes = size;
    this.evict();
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (!slot) return false;
    this.slots.delete(key);
    this.total -= slot.bytes;
    return true;
  }

  /** Removes every entry whose key starts with `prefix` (a walk over all keys: rare operations only). */
  deletePrefix(prefix: string): number {
    let removed = 0;
    for (const key of [...this.slots.keys()]) {
      if (key.startsWith(prefix) && this.delete(key)) removed++;
    }
    return removed;
  }

  private sizeOf(key: string, bytes: number): number {
    // Keys are mostly ASCII (ids, paths): two bytes a character covers V8's two-byte strings too.
    return Math.ceil(bytes) + 2 * key.length + ENTRY_OVERHEAD_BYTES;
  }

  private evict(): void {
    while (this.total > this.maxBytes) {
      const oldest = this.slots.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }
}

/** Bytes a JSON-like value takes in memory, estimated from its serialised length. */
export function estimateJsonBytes(serialisedLength: number): number {
  // Parsed objects take about three times their JSON text in V8 (headers, pointers, strings).
  return 3 * serialisedLength;
}
