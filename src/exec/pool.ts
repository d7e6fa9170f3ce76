// A worker pool for trials and regrades: items in list order, at most `concurrency` at once.

/** Runs `work` over `items`; a worker takes no new item once `signal` aborts or its last `work` returned false. */
export async function runPool<T>(items: readonly T[], concurrency: number, signal: AbortSignal, work: (item: T) => Promise<void | false>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      if ((await work(items[next++]!)) === false) return;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
