// How a long-running command (run, demo) waits to be stopped: the first SIGINT
// or SIGTERM starts a clean shutdown, a second one exits at once.

/** Resolves on the first SIGINT or SIGTERM, or when `until` settles, whichever comes first. */
export function waitForStopSignal(
  onSignal?: (signal: NodeJS.Signals) => void,
  until?: Promise<unknown>,
): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal?: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (signal !== undefined) {
        onSignal?.(signal);
        process.once('SIGINT', () => process.exit(130));
        process.once('SIGTERM', () => process.exit(143));
      }
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void until?.finally(() => stop());
  });
}
