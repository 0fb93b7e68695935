/**
 * Runs `task` for every item, at most `limit` at a time, and settles once all have: on a bucket
 * each write is a round trip of its own (tens of milliseconds on a real gateway), so independent
 * writes go together. Every task runs to its end even when one fails, so nothing is left half
 * started behind the caller's back; the first failure is then thrown.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
