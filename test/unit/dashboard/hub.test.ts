/** The hub's page streams: a page that stops reading is dropped at the bound, and told so when it comes back. */
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { kafkaHistory } from "../../../src/dashboard/history";
import { Hub } from "../../../src/dashboard/hub";
import { Metrics } from "../../../src/metrics/metrics";
import { CalendarBook } from "../../../src/model/calendar";
import { parseInterval } from "../../../src/model/interval";

/** A page's response: what was written, and whether it reads (a page that does not keeps it all unsent). */
class FakePage {
  text = "";
  writableLength = 0;
  destroyed = false;
  constructor(private readonly reading: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    if (!this.reading) this.writableLength += Buffer.byteLength(chunk);
    return this.reading;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  get res(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

function hub(maxPageBufferBytes: number): { hub: Hub; metrics: Metrics } {
  const metrics = new Metrics("dashboard");
  const h = new Hub({
    topic: "ticks",
    interval: parseInterval("1m"),
    timeZone: "America/New_York",
    calendars: CalendarBook.forMarket({ calendar: "24x7", calendars: {}, timeZone: "America/New_York" } as never),
    sessions: "regular",
    metrics,
    history: (bars) => kafkaHistory(bars),
    maxPageBufferBytes,
  });
  return { hub: h, metrics };
}

const alert = (i: number) =>
  ({
    v: 1,
    id: `a${i}`,
    rule: "zScore",
    severity: "warning",
    symbol: "AAPL",
    ts: "2024-01-02T14:30:00.000Z",
    message: "x".repeat(500),
  }) as never;

describe("the dashboard's page streams", () => {
  it("drop a page whose unsent events pass the bound, keep one that reads, and tell the dropped one when it returns", async () => {
    const { hub: h, metrics } = hub(10_000);
    const stalled = new FakePage(false);
    const reading = new FakePage(true);
    h.join(stalled.res);
    h.join(reading.res);
    const id = /^id: (.+)$/m.exec(stalled.text)![1]!;
    expect(stalled.text).toMatch(/^retry: 1000\n\nid: [0-9a-f-]{36}\nevent: hello\n/);
    for (let i = 0; i < 40; i++) h.feedSinks().alert(alert(i));
    expect(stalled.destroyed).toBe(true);
    expect(reading.destroyed).toBe(false);
    // The stalled page got what fitted under the bound and nothing after it was dropped.
    const sentToStalled = stalled.text.split("event: alert").length - 1;
    expect(sentToStalled).toBeGreaterThan(5);
    expect(sentToStalled).toBeLessThan(40);
    expect(reading.text.split("event: alert").length - 1).toBe(40);
    expect(await metrics.registry.getSingleMetricAsString("stockpipe_dashboard_pages_dropped_total")).toContain(" 1");
    // It reconnects with its stream's id: its hello says it was dropped, once.
    const back = new FakePage(true);
    h.join(back.res, id);
    expect(JSON.parse(/^event: hello\ndata: (.*)$/m.exec(back.text)![1]!)).toMatchObject({ dropped: true });
    expect(back.text).toContain(`id: ${id}\n`);
    const again = new FakePage(true);
    h.join(again.res, id);
    expect(JSON.parse(/^event: hello\ndata: (.*)$/m.exec(again.text)![1]!).dropped).toBeUndefined();
    // A page that was never dropped is not told so either.
    const fresh = new FakePage(true);
    h.join(fresh.res, "some-other-id");
    expect(JSON.parse(/^event: hello\ndata: (.*)$/m.exec(fresh.text)![1]!).dropped).toBeUndefined();
    h.stop();
  });
});
