import { describe, expect, it } from "vitest";
import { isRetriable, RuntimeError } from "../../../src/errors";
import { defaultEngine } from "../../../src/query/registry";
import { retry, throttle } from "../../../src/util/retry";

describe("retry and throttle", () => {
  it("retries what may pass until it succeeds, and throws at once what may not", async () => {
    let calls = 0;
    const attempts: number[] = [];
    const value = await retry(
      async () => {
        if (++calls < 3) throw new RuntimeError("away", { retriable: true });
        return "ok";
      },
      { isRetriable, onRetry: (_e, a) => void attempts.push(a), baseMs: 1 },
    );
    expect(value).toBe("ok");
    expect(attempts).toEqual([1, 2]);
    await expect(retry(async () => Promise.reject(new RuntimeError("bad config")), { isRetriable, baseMs: 1 })).rejects.toThrow(
      "bad config",
    );
    await expect(retry(async () => Promise.reject(new TypeError("a bug")), { isRetriable, baseMs: 1 })).rejects.toThrow("a bug");
  });

  it("stops retrying when asked to, with the last failure", async () => {
    let stop = false;
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        stop = calls >= 2;
        throw new RuntimeError(`failure ${calls}`, { retriable: true });
      },
      { isRetriable, shouldStop: () => stop, baseMs: 1 },
    );
    await expect(run).rejects.toThrow("failure 2");
  });

  it("lets one call through per interval", () => {
    const seen: number[] = [];
    const t = throttle(60_000, (n: number) => void seen.push(n));
    t(1);
    t(2);
    expect(seen).toEqual([1]);
  });

  it("picks the local engine only for lake SQL over ticks, bars and alerts", () => {
    expect(defaultEngine("SELECT * FROM latest_ticks")).toBe("cql");
    expect(defaultEngine("SELECT symbol, avg(price) FROM ticks GROUP BY symbol")).toBe("local");
    expect(defaultEngine("SELECT symbol, max(high) FROM bars WHERE dt = DATE '2024-01-02' GROUP BY symbol")).toBe("local");
    expect(defaultEngine("SELECT * FROM bars WHERE symbol = 'A' AND interval = '1m' AND day = '2024-01-02'")).toBe("cql");
  });
});
