/**
 * Ctrl-C and SIGTERM for long-running commands: the first asks the work to stop cleanly (flush, summary,
 * exit 130); a second one exits at once.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** Which signal stopped the work, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

export function onInterrupt(onSecond: () => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (received) {
      onSecond();
      process.exit(130);
    }
    received = sig;
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
