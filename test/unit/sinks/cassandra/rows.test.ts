import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import type { Alert } from "../../../../src/model/alert";
import type { Bar } from "../../../../src/model/bar";
import type { Tick } from "../../../../src/model/tick";
import { alertFromRow, alertRow, barFromRow, barRow, tickFromRow, tickRow } from "../../../../src/sinks/cassandra/rows";
import { ALERT_COLUMNS, BAR_COLUMNS, LATEST_COLUMNS } from "../../../../src/sinks/cassandra/schema";

/** A driver row as Cassandra hands it back: the values written, under the table's column names. */
function rowOf(columns: [string, string][], values: unknown[]): cassandra.types.Row {
  // The driver makes rows with this class; its typings leave the constructor out.
  const { Row } = cassandra.types as unknown as { Row: new (columns: { name: string }[]) => cassandra.types.Row };
  const row = new Row(columns.map(([name]) => ({ name })));
  columns.forEach(([name], i) => {
    (row as unknown as Record<string, unknown>)[name] = values[i] === cassandra.types.unset ? null : values[i];
  });
  return row;
}

describe("Cassandra rows", () => {
  it("give back the bar they were made of, field by field", () => {
    const bar: Bar = {
      symbol: "HSI",
      interval: "1d",
      start: "2024-03-15T01:30:00.000Z",
      end: "2024-03-16T01:30:00.000Z",
      open: 16_725.1,
      high: 16_800.25,
      low: 16_650,
      close: 16_720.5,
      volume: 123_456_789_012,
      vwap: 16_730.125,
      trades: 4_321,
      session: "2024-03-15",
      id: "8f9b2f0c-1d2e-5c3b-9a4f-0123456789ab",
    };
    const values = barRow(bar, "2024-03-15");
    expect(values).toHaveLength(BAR_COLUMNS.length);
    expect(String(values[2])).toBe("2024-03-15");
    // The same bytes as the analyzer's record: fields in the same order.
    expect(JSON.stringify(barFromRow(rowOf(BAR_COLUMNS, values)))).toBe(JSON.stringify(bar));
    // A table made before sessions: the row has no session column, and the bar none.
    const old = barRow(bar, "2024-03-15", new Set(["bars.volume_dec"]));
    expect(old).toHaveLength(BAR_COLUMNS.length - 1);
  });

  it("give back the alert they were made of", () => {
    const alert: Alert = {
      symbol: "AAPL",
      ts: "2024-01-02T14:31:07.250Z",
      rule: "priceMove",
      severity: "warning",
      value: 4.2,
      threshold: 3,
      message: "AAPL moved 4.2% in 1m",
      id: "0b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e",
    };
    expect(alertFromRow(rowOf(ALERT_COLUMNS, alertRow(alert, "2024-01-02")))).toEqual(alert);
  });

  it("give back a tick with every field, and leave absent fields out", () => {
    const full: Tick = {
      symbol: "AAPL",
      ts: "2024-01-02T14:30:00.001Z",
      price: 185.5,
      open: 184,
      high: 186,
      low: 183.5,
      close: 185.25,
      adjClose: 185.2,
      volume: 1200,
      bid: 185.49,
      ask: 185.51,
      currency: "USD",
      source: "test",
      seq: 7,
      id: "1b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e",
    };
    const ms = Date.parse(full.ts);
    expect(tickFromRow(rowOf(LATEST_COLUMNS, tickRow(full, ms, "2024-01-02", undefined)))).toEqual(full);
    const quote: Tick = { symbol: "MSFT", ts: full.ts, price: 400, bid: 399.9, ask: 400.1, id: full.id };
    expect(tickFromRow(rowOf(LATEST_COLUMNS, tickRow(quote, ms, "2024-01-02", undefined)))).toEqual(quote);
  });
});

describe("Cassandra rows of fractional volumes", () => {
  it("give back a crypto trade's size and a bar's summed volume exactly", () => {
    const tick: Tick = {
      symbol: "BTC-USD",
      ts: "2024-01-02T14:30:00.001Z",
      price: 42_123.45,
      volume: 0.00123,
      source: "coinbase",
      seq: 7,
      id: "0b5bfa0a-4bd2-5b6c-8c57-0f0c4d8c1a2e",
    };
    expect(tickFromRow(rowOf(LATEST_COLUMNS, tickRow(tick, Date.parse(tick.ts), "2024-01-02", undefined)))).toEqual(tick);
    const bar: Bar = {
      symbol: "BTC-USD",
      interval: "1m",
      start: "2024-01-02T14:30:00.000Z",
      end: "2024-01-02T14:31:00.000Z",
      open: 42_100,
      high: 42_200,
      low: 42_000,
      close: 42_150,
      volume: 12.3456789,
      vwap: 42_120.5,
      trades: 31,
      id: "8f9b2f0c-1d2e-5c3b-9a4f-0123456789ab",
    };
    expect(barFromRow(rowOf(BAR_COLUMNS, barRow(bar, "2024-01-02")))).toEqual(bar);
  });
});
