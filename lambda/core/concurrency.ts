/**
 * Runs `task` over `items` with at most `limit` running at once and returns
 * the results in the items' order. Store requests are latency-bound (tens of
 * milliseconds each on S3), so independent ones run side by side; the limit
 * keeps open streams and sockets bounded whatever the number of items. The
 * first failure is thrown once the tasks already started have settled.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** How many store requests the pipeline keeps in flight when it reads or checks many files. */
export const STORE_CONCURRENCY = 16;
