/** `stockpipe demo` and `stockpipe verify`, as a user runs them on the local stack. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { ROOT, stockpipe } from "../helpers";

/** The cells of the table rows on stdout that start with `symbol`. */
function tableRows(stdout: string, symbol: string): string[][] {
  return stdout
    .split("\n")
    .map((l) =>
      l
        .split("│")
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .filter((cells) => cells[0] === symbol);
}

const demoEnv = { STOCKPIPE_KAFKA_TOPIC: "stockpipe-demo", STOCKPIPE_CASSANDRA_KEYSPACE: "stockpipe_demo", STOCKPIPE_S3_PREFIX: "demo" };

describe("stockpipe demo", () => {
  it("runs the whole pipeline, twice, ending with matching counts in both sinks", async () => {
    for (let run = 1; run <= 2; run++) {
      const r = await stockpipe(["demo", "--duration", "3s", "--symbols", "AAPL,MSFT"], { timeoutMs: 600_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("✔ both sinks hold every produced tick exactly once");
      expect(r.stderr).toMatch(/produced +\d{1,3}(,\d{3})* ticks \(1 rejected row/);
      // A daily file's date is stamped at its symbol's session open: 10:00 in Hong Kong (the demo puts HSI on XHKG).
      expect(r.stdout).toMatch(/│ HSI +│ 2010-01-08T02:00:00.000Z │ 22296.75/);
      expect(r.stdout).toContain("│ AAPL ");
      // The daily OHLC is the HSI file's own open, high, low and close for each of its last days.
      const daily = new Map(
        tableRows(r.stdout, "HSI")
          .filter((c) => /^\d{4}-\d{2}-\d{2}$/.test(c[1]!) && !c[2]!.includes("T"))
          .map((c) => [c[1]!, c.slice(2, 6).map(Number)]),
      );
      // analyze's 1d bars of the HSI: one per Hong Kong session (10:00–16:00 then), with the file's own OHLC.
      const sessions = new Map(
        tableRows(r.stdout, "HSI")
          .filter((c) => /^\d{4}-\d{2}-\d{2}$/.test(c[1]!) && c[2]!.includes("T"))
          .map((c) => [c[1]!, c.slice(2)]),
      );
      // analyze: closed 1-minute bars of the simulated symbols, and the planted +4 % move on the first one fired.
      const bars = tableRows(r.stdout, "AAPL").filter((c) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/.test(c[1]!));
      expect(bars.length).toBeGreaterThanOrEqual(2);
      expect(bars.some((c) => Number(c[3]) / Number(c[2]) >= 1.03)).toBe(true);
      expect(tableRows(r.stdout, "MSFT").length).toBeGreaterThanOrEqual(2);
      expect(r.stdout).toMatch(/│ AAPL +│ priceMove +│ warning +│ AAPL rose 4\.\d\d% from/);
      expect(r.stderr).toMatch(/analyze +[\d,]+ 1-minute bars, [\d,]+ alerts/);
      // notify's step: the HSI file's burst of opening gaps reaches the local webhook grouped, in fewer messages.
      const notified = /notify +([\d,]+) alerts delivered in ([\d,]+) messages?/.exec(r.stderr);
      expect(notified, r.stderr).not.toBeNull();
      const [delivered, messages] = [Number(notified![1]!.replace(/,/g, "")), Number(notified![2]!.replace(/,/g, ""))];
      expect(delivered).toBeGreaterThan(100);
      expect(messages).toBeLessThan(delivered / 10);
      expect(r.stderr).toMatch(/\d+ (openingGap )?alerts.*, largest: \S+ \S+/);
      const file = readFileSync(join(ROOT, "data", "indexProcessed-HSI.csv"), "utf8").split("\n");
      for (const day of ["2010-01-04", "2010-01-06", "2010-01-08"]) {
        const [, , open, high, low, close] = file.find((l) => l.startsWith(`HSI,${day},`))!.split(",");
        expect(daily.get(day), day).toEqual([Number(open), Number(high), Number(low), Number(close)]);
        expect(sessions.get(day), day).toEqual([
          `${day}T02:00:00.000Z`,
          `${day}T08:00:00.000Z`,
          ...[open, high, low, close].map((x) => String(Number(x))),
        ]);
      }
    }
  }, 900_000);

  it("is confirmed by verify, which exits 1 once a row goes missing", async () => {
    const ok = await stockpipe(["verify", "-f", "json"], { env: demoEnv, timeoutMs: 300_000 });
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.mismatchedDays).toEqual([]);
    const hsi = report.symbols.filter((s: { symbol: string }) => s.symbol === "HSI");
    expect(hsi.map((s: { sink: string; kafka: number; stored: number }) => [s.sink, s.kafka, s.stored])).toEqual([
      ["cassandra", 5692, 5692],
      ["s3", 5692, 5692],
    ]);

    const client = new cassandra.Client({ contactPoints: ["127.0.0.1:9042"], localDataCenter: "datacenter1" });
    // The HSI's 2010-01-08 row is stamped at the Hong Kong open, 02:00 UTC: 21:00 on the 7th in New York
    // (market.timeZone), the day and hour bucket the stores file it under.
    await client.execute("DELETE FROM stockpipe_demo.ticks WHERE symbol = 'HSI' AND day = '2010-01-07' AND bucket = 21");
    await client.shutdown();
    const bad = await stockpipe(["verify", "--sinks", "cassandra", "-f", "json"], { env: demoEnv, timeoutMs: 300_000 });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).mismatchedDays).toEqual([
      {
        kind: "tick",
        sink: "cassandra",
        symbol: "HSI",
        day: "2010-01-07",
        kafka: 1,
        stored: 0,
        missing: 1,
        duplicated: 0,
        differing: 0,
        extra: 0,
      },
    ]);
    expect(bad.stderr).toContain("verify found 1 mismatched symbol-days");
  });

  it("replays the bundled feed recording instead of simulated ticks: every recorded trade and quote stored, TSLA's jump alerted", async () => {
    const r = await stockpipe(["demo", "--recording"], { timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("✔ both sinks hold every produced tick exactly once");
    // What the recording holds, counted here from its frames: every trade and quote is a tick; the HSI file comes first.
    const recorded = readFileSync(join(ROOT, "data", "feeds", "alpaca-sample.jsonl"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => JSON.parse(l))
      .filter((l) => l.frame)
      .flatMap((l) => JSON.parse(l.frame) as { T: string; S: string }[])
      .filter((m) => m.T === "t" || m.T === "q");
    const produced = Number(/produced +([\d,]+) ticks/.exec(r.stderr)![1]!.replace(/,/g, ""));
    expect(produced).toBe(5692 + recorded.length);
    expect(tableRows(r.stdout, "NVDA").length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toMatch(/│ TSLA +│ priceMove +│ warning +│ TSLA rose \d\.\d\d% from/);
  }, 900_000);
});
