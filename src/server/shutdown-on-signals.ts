/**
 * The first of `signals` starts `shutdown` (as does calling the function returned, for other
 * reasons to stop) and exits 0 when it is done, 1 when it failed. A signal while it runs calls
 * `force` and exits 1 at once: whatever was not written yet is lost.
 */
export function shutdownOnSignals(
  name: string,
  signals: readonly NodeJS.Signals[],
  shutdown: () => Promise<void>,
  force: () => void = () => {},
): (reason: string) => void {
  let started = false;
  const begin = (reason: string) => {
    if (started) return;
    started = true;
    process.stderr.write(`${name}: ${reason}: shutting down once the requests under way are answered\n`);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${name}: shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) {
    process.on(signal, () => {
      if (!started) return begin(signal);
      process.stderr.write(`${name}: ${signal} again: exiting now, without waiting\n`);
      force();
      process.exit(1);
    });
  }
  return begin;
}
