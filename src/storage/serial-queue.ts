/**
 * Runs one task at a time, in call order. Compare-and-swap already keeps concurrent writers
 * correct; queueing one instance's own writes just spares them from losing races to each other.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  async idle(): Promise<void> {
    await this.tail;
  }
}
