/** A spinner on a TTY; plain start/end lines on stderr otherwise (CI logs, pipes). */
import ora, { type Ora } from "ora";
import { colorEnabled, enabled, log } from "../log";

export interface Progress {
  text(message: string): void;
  succeed(message?: string): void;
  fail(message?: string): void;
  stop(): void;
}

export function spinner(message: string): Progress {
  const tty = Boolean(process.stderr.isTTY) && enabled("info");
  if (!tty) {
    log.info(`… ${message}`);
    return {
      text: () => {},
      succeed: (m) => log.success(m ?? message),
      fail: (m) => log.info(`✖ ${m ?? message}`),
      stop: () => {},
    };
  }
  const s: Ora = ora({ text: message, stream: process.stderr, color: colorEnabled() ? "cyan" : undefined }).start();
  if (!colorEnabled()) s.color = "white";
  return {
    text: (m) => {
      s.text = m;
    },
    succeed: (m) => void s.succeed(m ?? s.text),
    fail: (m) => void s.fail(m ?? s.text),
    stop: () => void s.stop(),
  };
}

/** Runs `work` under a spinner that ends green or red. */
export async function withSpinner<T>(message: string, work: (p: Progress) => Promise<T>, done?: (result: T) => string): Promise<T> {
  const p = spinner(message);
  try {
    const result = await work(p);
    p.succeed(done ? done(result) : undefined);
    return result;
  } catch (err) {
    p.fail();
    throw err;
  }
}
