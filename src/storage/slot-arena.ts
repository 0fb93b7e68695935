/** Slot size: a positioned write per MiB, aligned for O_DIRECT. */
export const SLOT_BYTES = 1 << 20;
/**
 * Slots for every upload of the process together (4 MiB). A job takes one only to hand a full MiB
 * (or its last bytes) to the worker, so a slow client holds none: it holds what it sent, at most
 * a slot's worth, in its own buffers.
 */
const SLOTS = 4;
const WASM_PAGE = 65_536;

/** The shared slots: page-aligned (WebAssembly memory is mapped whole), handed out first come, first served. */
export class SlotArena {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Buffer;
  private free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  private readonly waiting: (() => void)[] = [];

  constructor() {
    const pages = (SLOTS * SLOT_BYTES) / WASM_PAGE;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.bytes = Buffer.from(this.memory.buffer);
  }

  /** A free slot now, or undefined (then `whenFree` resolves once one may be; take again). */
  take(): number | undefined {
    return this.free.shift();
  }

  whenFree(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Every waiter looks again: one woken for a job since cancelled must not leave the slot unseen. */
  release(slot: number): void {
    this.free.push(slot);
    for (const wake of this.waiting.splice(0)) wake();
  }
}
