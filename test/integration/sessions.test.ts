/**
 * Exchange sessions through `analyze` on the real local Kafka, against an independent computation: DuckDB SQL over
 * the same ticks and the sessions as the exchange_calendars package has them (test/setup/calendars.ts) — nothing
 * here calls the calendar code under test. Hand-made ticks every few minutes, day and night, around the US switch
 * to summer time, Thanksgiving and its early close, and Hong Kong's lunch break.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import kafkajs, { type Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../src/sources/synthetic";
import { stockpipe, uniqueName } from "../helpers";
import { readTopic } from "../oracle";
import { exchangeSessions } from "../setup/calendars";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
beforeAll(() => producer.connect());
afterAll(() => producer.disconnect());

const iso = (ms: number) => new Date(ms).toISOString();
const EXCHANGE: Record<string, string> = { AAPL: "XNYS", MSFT: "XNYS", HSI: "XHKG" };
const LATENESS_MS = 2000;
const GAP_PERCENT = 1;

interface T {
  symbol: string;
  ts: number;
  price: number;
  volume: number;
}

/** A tick every `stepMin` minutes from `from` to `to`, each day's prices a step away from the last. */
function walk(symbol: string, from: string, to: string, stepMin: number, start: number, seed: number): T[] {
  const rand = prng(seed);
  const out: T[] = [];
  let price = start;
  for (let ts = Date.parse(from); ts < Date.parse(to); ts += stepMin * 60_000 + Math.floor(rand() * 20_000)) {
    // Every few hours a jump of up to ±3 %: some of them fall between sessions and make opening gaps.
    price *= 1 + (rand() - 0.5) * (rand() < 0.03 ? 0.06 : 0.002);
    out.push({ symbol, ts, price: Math.round(price * 100) / 100, volume: 1 + Math.floor(rand() * 500) });
  }
  return out;
}

const ticks: T[] = [
  // The US switch to summer time (Sunday 2024-03-10) in the middle of a week, weekend and nights included.
  ...walk("AAPL", "2024-03-07T00:00:00Z", "2024-03-13T00:00:00Z", 13, 170, 1),
  // Thanksgiving (closed) and Black Friday (closes at 13:00, post-market until 17:00).
  ...walk("MSFT", "2024-11-26T00:00:00Z", "2024-12-03T00:00:00Z", 11, 420, 2),
  // Hong Kong: 09:30–12:00 and 13:00–16:00, nothing before or after.
  ...walk("HSI", "2024-06-03T00:00:00Z", "2024-06-06T00:00:00Z", 7, 18_400, 3),
  // A last tick that closes every session above (it stays open itself).
  { symbol: "MSFT", ts: Date.parse("2024-12-31T15:00:00Z"), price: 430, volume: 1 },
].sort((a, b) => a.ts - b.ts);

interface Expected {
  bars: Record<string, unknown>[];
  hourSessions: Map<string, string | null>;
  gaps: string[];
  offSession: number;
}

/** What analyze must make under `analytics.sessions: <mode>` (regular: the exchange's hours without its break). */
async function expected(mode: "regular" | "all"): Promise<Expected> {
  const dir = mkdtempSync(join(tmpdir(), "sp-sessions-"));
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const run = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  try {
    writeFileSync(join(dir, "ticks.json"), JSON.stringify(ticks.map((t, off) => ({ ...t, off, exchange: EXCHANGE[t.symbol] }))));
    const sessions = ["XNYS", "XHKG"].flatMap((x) => exchangeSessions(x, "2024-01-01", "2024-12-31").map((s) => ({ ...s, exchange: x })));
    writeFileSync(join(dir, "sessions.json"), JSON.stringify(sessions));
    await c.run(`CREATE TABLE ticks AS SELECT * FROM read_json('${join(dir, "ticks.json")}')`);
    await c.run(`CREATE TABLE sessions AS SELECT * FROM read_json('${join(dir, "sessions.json")}')`);
    // The trading day of each tick: its exchange's session (regular hours, not the break), or — for `all` — the
    // exchange's calendar day.
    const zone = `CASE t.exchange WHEN 'XNYS' THEN 'America/New_York' ELSE 'Asia/Hong_Kong' END`;
    const local = `timezone(${zone}, make_timestamptz(t.ts * 1000))`;
    const inSession =
      mode === "all"
        ? `SELECT t.*, strftime(${local}, '%Y-%m-%d') AS day,
             epoch_ms(timezone(${zone}, date_trunc('day', ${local}))) AS sstart,
             epoch_ms(timezone(${zone}, date_trunc('day', ${local}) + INTERVAL 1 DAY)) AS send FROM ticks t`
        : `SELECT t.*, s.day, s.open AS sstart, s.close AS send FROM ticks t JOIN sessions s
             ON s.exchange = t.exchange AND t.ts >= s.open AND t.ts < s.close
             AND NOT (s.breakStart IS NOT NULL AND t.ts >= s.breakStart AND t.ts < s.breakEnd)`;
    await c.run(`CREATE TABLE counted AS ${inSession}`);
    const watermark = Math.max(...ticks.map((t) => t.ts)) - LATENESS_MS;
    const bars = await run(`
      SELECT symbol, day AS session, strftime(make_timestamp(min(sstart) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS start,
        strftime(make_timestamp(min(send) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS "end",
        arg_min(price, ts * 1000000 + off) AS open, max(price) AS high, min(price) AS low,
        arg_max(price, ts * 1000000 + off) AS close, sum(volume)::BIGINT AS volume, count(*)::BIGINT AS trades
      FROM counted GROUP BY symbol, day HAVING min(send) <= ${watermark} ORDER BY symbol, day`);
    // openingGap: each session's first tick against the previous session's last (by event time, then offset).
    const gaps = await run(`
      WITH firsts AS (
        SELECT symbol, day, arg_min(price, ts * 1000000 + off) AS first, arg_min(ts, ts * 1000000 + off) AS ts,
               arg_max(price, ts * 1000000 + off) AS last
        FROM counted GROUP BY symbol, day),
      paired AS (SELECT *, lag(last) OVER (PARTITION BY symbol ORDER BY day) AS prev FROM firsts)
      SELECT symbol, ts, round((first / prev - 1) * 100, 4) AS value FROM paired
      WHERE prev IS NOT NULL AND abs((first / prev - 1) * 100) >= ${GAP_PERCENT} ORDER BY ts`);
    // Each 1h window's session: the one whose counted hours it overlaps.
    const hours = await run(`
      WITH w AS (SELECT DISTINCT symbol, exchange, (ts // 3600000) * 3600000 AS ws FROM ticks)
      SELECT w.symbol, w.ws, min(s.day) AS day FROM w LEFT JOIN sessions s ON s.exchange = w.exchange AND (
        CASE WHEN s.breakStart IS NULL THEN w.ws < s.close AND w.ws + 3600000 > s.open
             ELSE (w.ws < s.breakStart AND w.ws + 3600000 > s.open) OR (w.ws < s.close AND w.ws + 3600000 > s.breakEnd) END)
      GROUP BY w.symbol, w.ws`);
    const offSession = ticks.length - Number((await run("SELECT count(*) AS n FROM counted"))[0]!.n);
    return {
      bars,
      gaps: gaps.map((g) => `${g.symbol} ${iso(Number(g.ts))} ${Number(g.value)}`),
      hourSessions: new Map(hours.map((h) => [`${h.symbol} ${iso(Number(h.ws))}`, (h.day as string | null) ?? null])),
      offSession,
    };
  } finally {
    c.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function analyzed(mode: "regular" | "all") {
  const topic = uniqueName("test-sessions");
  expect((await stockpipe(["topic", "create", topic, "-p", "1"])).code).toBe(0);
  const messages: Message[] = ticks.map((t) => ({
    key: t.symbol,
    value: JSON.stringify({ symbol: t.symbol, ts: iso(t.ts), price: t.price, volume: t.volume }),
    headers: { schema: "tick.v1" },
  }));
  for (let i = 0; i < messages.length; i += 2000) await producer.send({ topic, messages: messages.slice(i, i + 2000) });
  const r = await stockpipe(
    ["analyze", "--topic", topic, "-g", uniqueName("sessions"), "--intervals", "1h,1d", "--lateness", "2s", "--exit-at-end", "-f", "json"],
    {
      env: {
        STOCKPIPE_MARKET_CALENDAR: "XNYS",
        STOCKPIPE_MARKET_CALENDARS: "HSI:XHKG",
        STOCKPIPE_ANALYTICS_SESSIONS: mode,
        STOCKPIPE_ANALYTICS_RULES_PRICE_MOVE_ENABLED: "false",
        STOCKPIPE_ANALYTICS_RULES_Z_SCORE_ENABLED: "false",
        STOCKPIPE_ANALYTICS_RULES_VOLUME_SPIKE_ENABLED: "false",
        STOCKPIPE_ANALYTICS_RULES_OPENING_GAP_PERCENT: String(GAP_PERCENT),
      },
      timeoutMs: 300_000,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  const read = async (t: string) => (await readTopic(kafka, t)).map(({ message }) => JSON.parse(message.value!.toString()));
  return {
    summary: JSON.parse(r.stdout),
    daily: await read(`${topic}.bars.1d`),
    hourly: await read(`${topic}.bars.1h`),
    alerts: await read(`${topic}.alerts`),
  };
}

describe("analyze on exchange sessions", () => {
  it("makes one 1d bar per session and opening gaps between sessions, as DuckDB computes them from exchange_calendars' sessions", async () => {
    const want = await expected("regular");
    const got = await analyzed("regular");
    // The sessions the ticks span: 4 of AAPL (Thursday, Friday, Monday, Tuesday — the weekend has none), 4 of MSFT
    // (Thanksgiving has none; Black Friday is one), 3 of HSI.
    expect(want.bars.map((b) => `${b.symbol} ${b.session}`)).toEqual([
      "AAPL 2024-03-07",
      "AAPL 2024-03-08",
      "AAPL 2024-03-11",
      "AAPL 2024-03-12",
      "HSI 2024-06-03",
      "HSI 2024-06-04",
      "HSI 2024-06-05",
      "MSFT 2024-11-26",
      "MSFT 2024-11-27",
      "MSFT 2024-11-29",
      "MSFT 2024-12-02",
    ]);
    const fields = ["symbol", "session", "start", "end", "open", "high", "low", "close", "volume", "trades"];
    const pick = (b: Record<string, unknown>) =>
      Object.fromEntries(fields.map((f) => [f, f === "volume" || f === "trades" ? Number(b[f]) : b[f]]));
    expect(got.daily.map(pick)).toEqual(want.bars.map(pick));
    // Black Friday's bar ends at the early close; Monday's opens an hour earlier in UTC after the switch.
    expect(got.daily.find((b) => b.session === "2024-11-29")).toMatchObject({
      start: "2024-11-29T14:30:00.000Z",
      end: "2024-11-29T18:00:00.000Z",
    });
    expect(got.daily.find((b) => b.session === "2024-03-11")).toMatchObject({ start: "2024-03-11T13:30:00.000Z" });
    // Every hourly bar names the session it overlaps, or none (nights, the weekend, Thanksgiving, the lunch hour).
    const hourly = new Map(got.hourly.map((b) => [`${b.symbol} ${b.start}`, b.session ?? null]));
    for (const [key, session] of hourly) expect(session, key).toBe(want.hourSessions.get(key));
    expect(hourly.get("HSI 2024-06-03T04:00:00.000Z")).toBeNull(); // 12:00–13:00 in Hong Kong
    expect(hourly.get("AAPL 2024-03-11T13:00:00.000Z")).toBe("2024-03-11"); // 09:00–10:00 New York: straddles the open
    const gaps = got.alerts.filter((a) => a.rule === "openingGap").map((a) => `${a.symbol} ${a.ts} ${a.value}`);
    expect(want.gaps.length).toBeGreaterThan(0);
    expect(gaps).toEqual(want.gaps);
    expect(got.summary.offSession).toBe(want.offSession);
    expect(want.offSession).toBeGreaterThan(ticks.length / 2);
  });

  it("counts the calendar day under analytics.sessions all, weekends included", async () => {
    const want = await expected("all");
    const got = await analyzed("all");
    const fields = ["symbol", "session", "start", "end", "open", "high", "low", "close", "trades"];
    const pick = (b: Record<string, unknown>) => Object.fromEntries(fields.map((f) => [f, f === "trades" ? Number(b[f]) : b[f]]));
    expect(got.daily.map(pick)).toEqual(want.bars.map(pick));
    expect(got.daily.some((b) => b.session === "2024-03-09")).toBe(true); // a Saturday
    expect(got.summary.offSession).toBe(0);
  });
});
