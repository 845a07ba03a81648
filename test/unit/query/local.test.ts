/**
 * The local engine over a lake of JSON-lines files (s3.fileFormat jsonl): the columns come from the tick format,
 * not from sampling the files, so a field no row carries (quote ticks have no open/high/low/close) is a column of
 * nulls rather than a failing query.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLocal } from "../../../src/query/local";

const root = mkdtempSync(join(tmpdir(), "stockpipe-jsonl-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quotes = [
  { symbol: "AAPL", ts: "2024-01-02T14:30:00.125Z", price: 185.5, bid: 185.49, ask: 185.51, volume: 300, source: "synthetic", seq: 1 },
  { symbol: "MSFT", ts: "2024-01-02T14:30:01.000Z", price: 370.25, bid: 370.2, ask: 370.3, volume: 100, source: "synthetic", seq: 2 },
];

describe("local engine over JSON-lines lake files", () => {
  it("reads ticks that lack optional fields, every value as written", async () => {
    const dir = join(root, "ticks", "dt=2024-01-02");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ticks+0+0.jsonl"), `${quotes.map((q) => JSON.stringify(q)).join("\n")}\n`);
    const { rows } = await runLocal(
      "SELECT symbol, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, price, open, high, low, close, adj_close, bid, ask, volume, source, seq, dt FROM ticks ORDER BY ts",
      root,
    );
    expect(rows).toEqual(
      quotes.map((q) => ({
        symbol: q.symbol,
        ts: q.ts,
        price: q.price,
        open: null,
        high: null,
        low: null,
        close: null,
        adj_close: null,
        bid: q.bid,
        ask: q.ask,
        volume: q.volume,
        source: q.source,
        seq: q.seq,
        dt: "2024-01-02",
      })),
    );
  });
});
