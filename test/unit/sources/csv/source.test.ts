import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors";
import { tradingDay } from "../../../../src/model/time";
import { checkMap, detectLayout } from "../../../../src/sources/csv/layout";
import { CsvSource, detectDelimiter } from "../../../../src/sources/csv/source";
import type { Accepted, Rejected, SourceItem } from "../../../../src/sources/types";
import { ROOT } from "../../../helpers";

const HSI = join(ROOT, "data", "indexProcessed-HSI.csv");

/** `symbol=Sym,ts=When` as the map option. */
function parseMapOption(text: string | undefined) {
  return checkMap(
    Object.fromEntries(
      (text ?? "")
        .split(",")
        .filter(Boolean)
        .map((p) => p.split("=") as [string, string]),
    ),
  );
}

async function readCsv(text: string, options: { symbol?: string; map?: string; timeZone?: string } = {}): Promise<SourceItem[]> {
  const source = new CsvSource({
    file: "-",
    stdin: Readable.from([Buffer.from(text)]),
    timeZone: options.timeZone ?? "America/New_York",
    map: parseMapOption(options.map),
    symbol: options.symbol,
    loop: false,
  });
  await source.open();
  const out: SourceItem[] = [];
  for await (const item of source.items(new AbortController().signal)) out.push(item);
  return out;
}
const ticks = (items: SourceItem[]) => items.filter((i): i is Accepted => i.kind === "tick").map((i) => i.tick);
const rejects = (items: SourceItem[]) => items.filter((i): i is Rejected => i.kind === "rejected");

describe("CSV layouts", () => {
  it("recognises the Kaggle, Yahoo, long and tick layouts by their header", () => {
    expect(detectLayout(["Index", "Date", "Open", "High", "Low", "Close", "Adj Close", "Volume", "CloseUSD"], {}, undefined).name).toBe(
      "Kaggle Stock Exchange Data",
    );
    expect(detectLayout(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"], {}, "AAPL").name).toBe("Yahoo Finance export");
    expect(detectLayout(["SYMBOL", "date", "PRICE"], {}, undefined).name).toBe("long price list");
    const tick = detectLayout(["symbol", "ts", "price", "volume", "bid", "ask"], {}, undefined);
    expect(tick.name).toBe("tick file");
    expect(tick.columns).toMatchObject({ symbol: 0, ts: 1, price: 2, volume: 3, bid: 4, ask: 5 });
  });

  it("fails at once, naming the columns found and the map option that fixes it (by its flag once renamed)", () => {
    try {
      detectLayout(["Ticker", "When", "Last"], {}, undefined);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toBe(
        "cannot map the CSV columns to ticks: no column for ts; the columns found are Ticker, When, Last",
      );
      expect((err as UsageError).hint).toBe("pass map ts=<column>");
      (err as UsageError).rename((field) => `--${field}`);
      expect((err as UsageError).hint).toBe("pass --map ts=<column>");
    }
    expect(() => detectLayout(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"], {}, undefined)).toThrow(
      /no column for symbol \(or pass symbol SYM\)/,
    );
  });

  it("maps any columns with the map option", () => {
    const l = detectLayout(["Sym", "When", "Px", "Qty"], parseMapOption("symbol=Sym,ts=When,price=Px"), undefined);
    expect(l.columns).toMatchObject({ symbol: 0, ts: 1, price: 2, volume: 3 });
    expect(() => parseMapOption("colour=X")).toThrow(/unknown tick field "colour"/);
    expect(() => parseMapOption("id=X")).toThrow(
      /unknown tick field "id"; the fields are symbol, ts, price, open, high, low, close, adjClose, volume, bid, ask, bidSize, askSize, currency, seq$/,
    );
    expect(() => detectLayout(["a"], parseMapOption("price=nope"), undefined)).toThrow(/no column "nope"/);
  });

  it("detects the delimiter", () => {
    expect(detectDelimiter("a,b,c")).toBe(",");
    expect(detectDelimiter("a;b;c")).toBe(";");
    expect(detectDelimiter("a\tb\tc")).toBe("\t");
    expect(detectDelimiter("a|b|c")).toBe("|");
  });
});

describe("CsvSource", () => {
  it("reads the shared HSI file: every valid row, field by field, and the cut-off last row rejected", async () => {
    const text = readFileSync(HSI, "utf8");
    const lines = text.split("\n");
    const items = await readCsv(text);
    const t = ticks(items);
    expect(t).toHaveLength(lines.length - 2);
    lines.slice(1, -1).forEach((line, i) => {
      const [index, date, open, high, low, close, adj, volume] = line.split(",");
      expect(t[i]).toMatchObject({
        symbol: index,
        price: Number(close),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        adjClose: Number(adj),
        volume: Number(volume),
        seq: i + 2,
      });
      // A date without a zone is midnight in the market's zone (New York: 04:00 or 05:00 UTC).
      expect(tradingDay(Date.parse(t[i]!.ts), "America/New_York")).toBe(date);
      expect(t[i]!.ts).toMatch(new RegExp(`^${date}T0[45]:00:00\\.000Z$`));
    });
    const r = rejects(items);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ line: lines.length, reason: "CloseUSD not a number" });
    expect(r[0]!.detail).toContain("looks cut off");
    expect(r[0]!.raw).toBe(lines[lines.length - 1]);
  });

  it("reads a Yahoo export with --symbol, BOM, CRLF, quotes and blank lines", async () => {
    const text =
      '\uFEFFDate,Open,High,Low,Close,Adj Close,Volume\r\n2024-01-02,"187.15",188.44,183.89,185.64,185.40,82488700\r\n\r\n2024-01-03,184.22,185.88,183.43,184.25,184.01,58414500\r\n';
    const t = ticks(await readCsv(text, { symbol: "aapl" }));
    expect(t).toEqual([
      expect.objectContaining({
        symbol: "AAPL",
        ts: "2024-01-02T05:00:00.000Z",
        price: 185.64,
        open: 187.15,
        high: 188.44,
        low: 183.89,
        close: 185.64,
        adjClose: 185.4,
        volume: 82488700,
      }),
      expect.objectContaining({ symbol: "AAPL", ts: "2024-01-03T05:00:00.000Z", price: 184.25, volume: 58414500 }),
    ]);
  });

  it("reads semicolon tick files with zones, epoch times and month names", async () => {
    const text =
      "symbol;ts;price;volume\nmsft;2024-03-15T13:30:00.250Z;420.1;100\nMSFT;1710509401;420.2;5\nMSFT;Mar 15 2024 09:30;420.3;7\n";
    expect(ticks(await readCsv(text)).map((t) => [t.symbol, t.ts, t.price, t.volume])).toEqual([
      ["MSFT", "2024-03-15T13:30:00.250Z", 420.1, 100],
      ["MSFT", "2024-03-15T13:30:01.000Z", 420.2, 5],
      ["MSFT", "2024-03-15T13:30:00.000Z", 420.3, 7],
    ]);
  });

  it("rejects each kind of bad row with its line number and reason, and keeps the good ones", async () => {
    const text = [
      "symbol,date,price,volume,high,low",
      "AAPL,2024-01-02,185.5,100,186,184",
      ",2024-01-02,185.5,100,186,184",
      "AAPL,2024-01-02,abc,100,186,184",
      "AAPL,2024-01-02,-1,100,186,184",
      "AAPL,2024-01-02,185.5,-5,186,184",
      "AAPL,2024-01-02,185.5,lots,186,184",
      "AAPL,2024-01-02,185.5,100,x,184",
      "AAPL,someday,185.5,100,186,184",
      "AAPL,2024-01-02,185.5,100",
      "AAPL,2024-01-02,null,100,186,184",
      "AAPL,2024-01-02,185.5,100,180,184",
      "AAPL,2024-01-03,186.5,,,",
      "",
    ].join("\n");
    const items = await readCsv(text);
    expect(ticks(items).map((t) => [t.ts, t.price, t.volume])).toEqual([
      ["2024-01-02T05:00:00.000Z", 185.5, 100],
      ["2024-01-03T05:00:00.000Z", 186.5, undefined],
    ]);
    expect(rejects(items).map((r) => [r.line, r.reason])).toEqual([
      [3, "missing symbol"],
      [4, "price not a number"],
      [5, "price not > 0"],
      [6, "volume negative"],
      [7, "volume not a number"],
      [8, "high not a number"],
      [9, "unparseable date"],
      [10, "wrong column count"],
      [11, "null placeholder"],
      [12, "high < low"],
    ]);
    expect(rejects(items)[0]!.raw).toBe(",2024-01-02,185.5,100,186,184");
  });

  it("fails clearly on a missing file, a directory, or an empty header", async () => {
    await expect(new CsvSource({ file: "/nope/x.csv", timeZone: "UTC", map: {}, loop: false }).open()).rejects.toThrow(
      "file /nope/x.csv does not exist",
    );
    await expect(new CsvSource({ file: ROOT, timeZone: "UTC", map: {}, loop: false }).open()).rejects.toThrow("is a directory");
    expect(await readCsv("")).toEqual([]);
  });
});
