/** The started export workers of this process, woken when a job is queued here (others find it on their next tick). */
const wakers = new Set<() => void>();

export function addWaker(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

export function wakeExportWorkers(): void {
  for (const wake of wakers) wake();
}
