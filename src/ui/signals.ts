/**
 * Ctrl-C and SIGTERM for long-running commands: the first asks the work to stop cleanly (flush, summary,
 * exit 130); a second one exits at once.
 */
import { setMaxListeners } from "node:events";

export interface Interrupt {
  signal: AbortSignal;
  /** Which signal stopped the work, if any. */
  readonly received: NodeJS.Signals | undefined;
  dispose(): void;
}

export function onInterrupt(onSecond: () => void): Interrupt {
  const controller = new AbortController();
  // One stop for the whole command: every consumer, producer, reader and page stream listens to it (the demo's
  // dozens went past Node's default of 10 and printed a leak warning that is not one).
  setMaxListeners(0, controller.signal);
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
