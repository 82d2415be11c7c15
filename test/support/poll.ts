/**
 * Calls check every everyMs, one call at a time, until it returns true or stop() is called. stop()
 * waits for the call in flight, so none outlives its test: an rclone listing left running against
 * a server the test then stops retries for a minute and fails whichever test runs by then.
 * A check that throws ends the polling, and stop() rethrows its error.
 */
export function poll(check: () => Promise<boolean>, everyMs: number): { stop: () => Promise<void> } {
  let done = false;
  let error: unknown;
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (done || inFlight) return;
    inFlight = check()
      .then(
        (finished) => void (done ||= finished),
        (err: unknown) => {
          error ??= err;
          done = true;
        },
      )
      .finally(() => (inFlight = undefined));
  }, everyMs);
  return {
    async stop() {
      done = true;
      clearInterval(timer);
      await inFlight;
      if (error) throw error;
    },
  };
}
