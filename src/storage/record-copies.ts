/**
 * Where a JsonRecordStore keeps the records it has read from the object store, each with the ETag
 * it was read at. The store decides what is true (conditional writes, listings, the change feed);
 * copies only hold it. In memory for small sets (plugins, extensions, collections); the add-on
 * catalog of a bucket keeps them on local disk instead (catalog-mirror.ts), so memory does not grow
 * with the catalog and a restart re-reads only the records whose ETag changed.
 */
export interface RecordCopies<T extends { id: string }> {
  /** What an earlier run left here (id → ETag); a start reads only what the store changed since. */
  kept(): Promise<Map<string, string>>;
  has(id: string): boolean;
  get(id: string): T | undefined;
  /**
   * Resolves once `get` returns `record`. Calls take effect in call order, so a slow keep of an
   * older read never lands after a newer one.
   */
  keep(record: T, etag: string): Promise<void>;
  drop(id: string): Promise<void>;
  /** Every record: whole-set jobs only. */
  list(): T[];
  readonly size: number;
}

export class MemoryCopies<T extends { id: string }> implements RecordCopies<T> {
  private readonly records = new Map<string, T>();

  kept(): Promise<Map<string, string>> {
    return Promise.resolve(new Map());
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  keep(record: T): Promise<void> {
    this.records.set(record.id, record);
    return Promise.resolve();
  }

  drop(id: string): Promise<void> {
    this.records.delete(id);
    return Promise.resolve();
  }

  list(): T[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }
}
