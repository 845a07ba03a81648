import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../../src/config/loader";
import { marketDayAndMinute, tradingDay } from "../../../../src/model/time";
import { keyspaceCql, schemaStatements } from "../../../../src/sinks/cassandra/schema";

describe("Cassandra schema from config", () => {
  it("uses SimpleStrategy or NetworkTopologyStrategy from config", () => {
    const simple = loadConfig({ env: { STOCKPIPE_CASSANDRA_REPLICATION_FACTOR: "3" } }).config;
    expect(keyspaceCql(simple)).toBe(
      "CREATE KEYSPACE IF NOT EXISTS stockpipe WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
    );
    const nts = loadConfig({
      env: {
        STOCKPIPE_CASSANDRA_REPLICATION_CLASS: "NetworkTopologyStrategy",
        STOCKPIPE_CASSANDRA_REPLICATION_DATA_CENTERS: "dc1:3,dc2:2",
        STOCKPIPE_CASSANDRA_KEYSPACE: "market",
      },
    }).config;
    expect(keyspaceCql(nts)).toBe(
      "CREATE KEYSPACE IF NOT EXISTS market WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}",
    );
  });

  it("carries the TTL, TWCS and exact types into the tables", () => {
    const config = loadConfig({ env: { STOCKPIPE_CASSANDRA_TTL_SECONDS: "86400" } }).config;
    const [, ticks, latest] = schemaStatements(config);
    expect(ticks).toContain("default_time_to_live = 86400");
    expect(ticks).toContain("TimeWindowCompactionStrategy");
    expect(ticks).toContain("PRIMARY KEY ((symbol, day, bucket), ts, id)");
    expect(ticks).toContain("CLUSTERING ORDER BY (ts DESC, id ASC)");
    expect(ticks).toMatch(/price double/);
    expect(ticks).toMatch(/volume bigint/);
    expect(ticks).toMatch(/ts timestamp/);
    expect(ticks).not.toMatch(/\bfloat\b/);
    expect(latest).toContain("PRIMARY KEY ((symbol))");
  });
});

describe("marketDayAndMinute", () => {
  it("agrees with tradingDay and the wall clock, across DST changes", () => {
    for (const tz of ["America/New_York", "Asia/Hong_Kong", "Europe/London", "UTC"]) {
      for (let ms = Date.parse("2024-03-09T00:00:00Z"); ms < Date.parse("2024-03-12T00:00:00Z"); ms += 7 * 60_000 + 13_000) {
        const { day, minute } = marketDayAndMinute(ms, tz);
        expect(day).toBe(tradingDay(ms, tz));
        const wall = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
          new Date(ms),
        );
        const [h, m] = wall.split(":").map(Number);
        expect(minute).toBe(h! * 60 + m!);
      }
    }
  });
});

describe("Cassandra row order", () => {
  it("matches the column lists the statements are built from", async () => {
    const { TICK_COLUMNS, LATEST_COLUMNS } = await import("../../../../src/sinks/cassandra/schema");
    const { tickRow: rowForTest } = await import("../../../../src/sinks/cassandra/rows");
    const t = {
      symbol: "AAPL",
      ts: "2024-03-15T13:30:00.000Z",
      price: 1.5,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      adjClose: 1.4,
      volume: 10,
      bid: 1.4,
      ask: 1.6,
      bidSize: 300,
      askSize: 0.5,
      currency: "USD",
      source: "s",
      seq: 3,
      id: "00000000-0000-5000-8000-000000000001",
    };
    const ms = Date.parse(t.ts);
    const withBucket = rowForTest(t, ms, "2024-03-15", 9);
    const without = rowForTest(t, ms, "2024-03-15", undefined);
    expect(withBucket).toHaveLength(TICK_COLUMNS.length);
    expect(without).toHaveLength(LATEST_COLUMNS.length);
    const named = Object.fromEntries(TICK_COLUMNS.map(([c], i) => [c, String(withBucket[i])]));
    expect(named).toEqual({
      symbol: "AAPL",
      day: "2024-03-15",
      bucket: "9",
      ts: new Date(ms).toString(),
      id: t.id,
      price: "1.5",
      open: "1",
      high: "2",
      low: "0.5",
      close: "1.5",
      adj_close: "1.4",
      volume: "10",
      bid: "1.4",
      ask: "1.6",
      currency: "USD",
      source: "s",
      seq: "3",
      volume_dec: String(cassandra.types.unset),
      bid_size: "300",
      ask_size: "0.5",
    });
  });

  it("puts a fractional volume in volume_dec, exactly, and leaves volume unset (or null in latest_ticks)", async () => {
    const { TICK_COLUMNS, LATEST_COLUMNS } = await import("../../../../src/sinks/cassandra/schema");
    const { tickRow: rowForTest } = await import("../../../../src/sinks/cassandra/rows");
    const t = {
      symbol: "BTC-USD",
      ts: "2024-03-15T13:30:00.000Z",
      price: 67_000.5,
      volume: 0.00123,
      id: "00000000-0000-5000-8000-000000000001",
    };
    const ms = Date.parse(t.ts);
    const ticks = Object.fromEntries(TICK_COLUMNS.map(([c], i) => [c, rowForTest(t, ms, "2024-03-15", 9)[i]]));
    const latest = Object.fromEntries(LATEST_COLUMNS.map(([c], i) => [c, rowForTest(t, ms, "2024-03-15", undefined)[i]]));
    expect(ticks.volume).toBe(cassandra.types.unset);
    expect(latest.volume).toBeNull();
    expect(String(ticks.volume_dec)).toBe("0.00123");
    expect(String(latest.volume_dec)).toBe("0.00123");
    // A table without the added columns: the row leaves them out.
    expect(rowForTest(t, ms, "2024-03-15", 9, { fractional: false, sizes: true })).toHaveLength(TICK_COLUMNS.length - 1);
    expect(rowForTest(t, ms, "2024-03-15", 9, { fractional: false, sizes: false })).toHaveLength(TICK_COLUMNS.length - 3);
  });

  it("puts a quote's sizes in bid_size and ask_size", async () => {
    const { TICK_COLUMNS } = await import("../../../../src/sinks/cassandra/schema");
    const { tickRow: rowForTest } = await import("../../../../src/sinks/cassandra/rows");
    const t = { symbol: "BTC-USD", ts: "2024-03-15T13:30:00.000Z", price: 67_000.5, bid: 67_000, ask: 67_001, bidSize: 0.5, askSize: 1.25 };
    const row = rowForTest({ ...t, id: "00000000-0000-5000-8000-000000000001" }, Date.parse(t.ts), "2024-03-15", 9);
    const cells = Object.fromEntries(TICK_COLUMNS.map(([c], i) => [c, row[i]]));
    expect([cells.bid, cells.ask, cells.bid_size, cells.ask_size]).toEqual([67_000, 67_001, 0.5, 1.25]);
  });

  it("leaves absent fields unset in ticks (no tombstones) and null in latest_ticks (an older tick must not show through)", async () => {
    const { TICK_COLUMNS, LATEST_COLUMNS } = await import("../../../../src/sinks/cassandra/schema");
    const { tickRow: rowForTest } = await import("../../../../src/sinks/cassandra/rows");
    const t = { symbol: "AAPL", ts: "2024-03-15T13:30:00.000Z", price: 1.5, id: "00000000-0000-5000-8000-000000000001" };
    const ms = Date.parse(t.ts);
    const ticks = Object.fromEntries(TICK_COLUMNS.map(([c], i) => [c, rowForTest(t, ms, "2024-03-15", 9)[i]]));
    const latest = Object.fromEntries(LATEST_COLUMNS.map(([c], i) => [c, rowForTest(t, ms, "2024-03-15", undefined)[i]]));
    for (const c of [
      "open",
      "high",
      "low",
      "close",
      "adj_close",
      "volume",
      "bid",
      "ask",
      "currency",
      "source",
      "seq",
      "volume_dec",
      "bid_size",
      "ask_size",
    ]) {
      expect(ticks[c], c).toBe(cassandra.types.unset);
      expect(latest[c], c).toBeNull();
    }
    expect(ticks.price).toBe(1.5);
  });
});
