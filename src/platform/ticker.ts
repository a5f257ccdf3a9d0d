/**
 * A background worker's loop (certification deliveries, exports, xAPI statements): `work` every
 * interval, or at once when woken (something was just queued here), never two at a time; the timer
 * keeps no process alive, and stopping waits for the work under way.
 */
export function createTicker(work: () => Promise<unknown>, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  const wake = (): void => {
    if (stopped || running) return;
    running = work()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  return {
    wake,
    get stopped() {
      return stopped;
    },
    start(intervalMs: number): void {
      stopped = false;
      timer = setInterval(wake, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
