/**
 * `stockpipe dashboard` in a real headless Chromium, on the real local stack: the board shows exactly the symbols
 * produced with their latest prices, the chart's candles are the bars (checked against the DuckDB oracle), a
 * planted alert shows within 2 s, the page reconnects after the server restarts, and with Cassandra out of reach
 * live data still flows while the page says the history is unavailable. Screenshots of each state go to
 * .cache/test-artifacts/dashboard/. Also: /metrics parsed as Prometheus would, and bad input.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import parsePrometheus from "parse-prometheus-text-format";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, stockpipe, uniqueName } from "../helpers";
import { HookServer } from "../notify/servers";
import { oracleBars, oracleTicks, readTopic } from "../oracle";
import { launchBrowser } from "../setup/chromium.mjs";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const ARTIFACTS = join(ROOT, ".cache", "test-artifacts", "dashboard");
const SYMBOLS = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  done: Promise<number>;
}

/** Starts a stockpipe command that prints an address (`dashboard at …`, `metrics at …`) and waits for it. */
function serve(args: string[], env: Record<string, string>, pattern: RegExp): Promise<Served> {
  const clean: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("STOCKPIPE_")) clean[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  const done = new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 60 s; it printed:\n${err}`)), 60_000);
    child.stderr!.on("data", (d) => {
      err += d;
      const m = pattern.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, port: Number(new URL(m[1]!).port), stderr: () => err, done });
      }
    });
    void done.then((code) => reject(new Error(`exited with ${code} before serving:\n${err}`)));
  });
}

const DASHBOARD_AT = /dashboard at (http:\/\/\S+\/)/;
const METRICS_AT = /metrics at (http:\/\/\S+\/metrics)/;

async function stop(s: Served | undefined): Promise<number | undefined> {
  if (!s || s.child.exitCode !== null) return s?.child.exitCode ?? undefined;
  s.child.kill("SIGTERM");
  return s.done;
}

/** Sends ticks straight to the topic (acknowledged by Kafka when this resolves). */
async function send(topic: string, ticks: { symbol: string; ts: number; price: number; volume: number }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: ticks.map((t) => ({
        key: t.symbol,
        value: JSON.stringify({ symbol: t.symbol, ts: new Date(t.ts).toISOString(), price: t.price, volume: t.volume }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** The board as the page shows it: symbol → price text. */
async function boardOf(page: Page): Promise<Record<string, string>> {
  const rows = await page.$$eval("#board tbody tr", (trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
  return Object.fromEntries(rows);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("stockpipe dashboard in Chromium", () => {
  const topic = uniqueName("dash");
  const env = { STOCKPIPE_KAFKA_TOPIC: topic };
  const group = uniqueName("dash-analyze");
  // Event time: a few minutes ago, so the ticks are today's and the windows close as more arrive.
  const t0 = Math.floor((Date.now() - 6 * 60_000) / 60_000) * 60_000;
  let browser: Browser;
  let page: Page;
  let dashboard: Served | undefined;
  let analyze: Served | undefined;
  let eventEnd = 0;

  /** Latest price per symbol by event time (later offset on ties), from the topic itself. */
  async function latestPrices(): Promise<Record<string, string>> {
    const latest = new Map<string, { ts: number; offset: number; price: number }>();
    for (const t of oracleTicks(await readTopic(kafka, topic))) {
      const l = latest.get(t.symbol);
      if (!l || t.ts > l.ts || (t.ts === l.ts && t.offset > l.offset)) latest.set(t.symbol, t);
    }
    return Object.fromEntries([...latest].map(([s, l]) => [s, l.price.toFixed(2)]));
  }

  /** Simulated ticks with event times going on from where the last ones ended. */
  async function produceMore(ticks: number): Promise<void> {
    const start = new Date(eventEnd || t0).toISOString();
    const r = await stockpipe(
      [
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        String(SYMBOLS),
        "--seed",
        String(eventEnd % 97),
        "--start",
        start,
        "--limit",
        String(ticks),
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    // The simulator sends 1,000 ticks per second of event time.
    eventEnd = Date.parse(start) + ticks;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
    expect((await stockpipe(["topic", "create", topic, "-p", "3"], { env })).code).toBe(0);
    await produceMore(150_000);
    analyze = await serve(["analyze", "-g", group, "--metrics-port", "0"], env, METRICS_AT);
    dashboard = await serve(["dashboard", "--port", "0"], env, DASHBOARD_AT);
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on("pageerror", (e) => process.stderr.write(`page error: ${e.message}\n`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stop(dashboard);
    await stop(analyze);
  });

  it("shows exactly the symbols produced, each with its latest price", async () => {
    const expected = await latestPrices();
    expect(Object.keys(expected)).toHaveLength(SYMBOLS);
    await page.goto(dashboard!.url);
    await expect.poll(() => boardOf(page), { timeout: 30_000 }).toEqual(expected);
    await expect.poll(() => page.locator("#conn").textContent()).toBe("live");
    // The health panel's tables fit the panel at this width: no cell runs past its right edge or is cut short.
    await page.locator("#services td").first().waitFor({ timeout: 30_000 });
    // Nor is a header or a name broken inside a word ("cassan|dra", "last deliver|y"): only endpoints and answers
    // (.wrap) may break anywhere. A hyphenated name (a consumer group's) may break after a hyphen, as text does.
    const overflow = await page.evaluate(`(() => {
      const panel = document.querySelector("#health-panel").getBoundingClientRect();
      const cells = [...document.querySelectorAll("#health td, #health th")];
      const cut = cells
        .filter((c) => c.getBoundingClientRect().right > panel.right + 1 || c.scrollWidth > c.clientWidth + 1)
        .map((c) => "cut: " + c.textContent);
      const broken = [];
      for (const c of cells.filter((c) => !c.classList.contains("wrap"))) {
        const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          for (const m of n.textContent.matchAll(/[^\\s-]+-?/g)) {
            const range = document.createRange();
            range.setStart(n, m.index);
            range.setEnd(n, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (lines.size > 1) broken.push("broken: " + m[0]);
          }
        }
      }
      return [...cut, ...broken];
    })()`);
    expect(overflow).toEqual([]);
    await shot(page, "1-board");
  });

  it("draws the selected symbol's bars, and once a window closes the last candle is that bar, equal to the oracle's", async () => {
    const symbol = Object.keys(await latestPrices()).sort()[1]!;
    await page.locator("#board tbody tr", { hasText: symbol }).first().click();
    await expect.poll(() => page.locator("#chart-symbol").textContent()).toBe(symbol);
    const lastClosed = async () => {
      const bars = await oracleBars(oracleTicks(await readTopic(kafka, topic)), { "1m": 60_000 }, 2000);
      return bars.filter((b) => b.symbol === symbol).sort((a, b) => (a.start < b.start ? -1 : 1));
    };
    const legend = async () => ({
      start: await page.locator("#legend").getAttribute("data-start"),
      ohlc: await page.locator("#legend").getAttribute("data-ohlc"),
      candles: await page.locator("#chart").getAttribute("data-candles"),
    });
    const shown = (bars: Awaited<ReturnType<typeof lastClosed>>) => {
      const b = bars.at(-1)!;
      return { start: b.start, ohlc: [b.open, b.high, b.low, b.close].join(","), candles: String(bars.length) };
    };
    const before = await lastClosed();
    expect(before.length).toBeGreaterThanOrEqual(2);
    await expect.poll(legend, { timeout: 30_000 }).toEqual(shown(before));
    // A minute and more of event time: the window that was open closes, and its bar reaches the page.
    await produceMore(75_000);
    const after = await lastClosed();
    expect(after.length).toBeGreaterThan(before.length);
    await expect.poll(legend, { timeout: 30_000 }).toEqual(shown(after));
    await shot(page, "2-chart");
  });

  it("shows a planted alert within 2 s of its tick reaching Kafka, linked to its symbol's chart", async () => {
    const expected = await latestPrices();
    const symbol = Object.keys(expected).sort()[0]!;
    // 12% above its last price, 100 ms after the last event time: a priceMove alert in its window.
    const price = Math.round(Number(expected[symbol]) * 112) / 100;
    await send(topic, [{ symbol, ts: eventEnd + 100, price, volume: 100 }]);
    const sent = performance.now();
    const item = page.locator("#alerts li", { hasText: `${symbol} priceMove` }).first();
    await item.waitFor({ timeout: 10_000 });
    const ms = performance.now() - sent;
    expect(ms, `the alert showed after ${Math.round(ms)} ms`).toBeLessThan(2000);
    await shot(page, "3-alert");
    await item.locator("a").click();
    await expect.poll(() => page.locator("#chart-symbol").textContent()).toBe(symbol);
  });

  it("lists notify's destinations with what each delivered, and the last problem of one that refuses", async () => {
    const hooks = await HookServer.start();
    try {
      hooks.always("/gone", { status: 404, body: "no_service" });
      const file = join(mkdtempSync(join(tmpdir(), "sp-dash-notify-")), "stockpipe.json");
      writeFileSync(
        file,
        JSON.stringify({
          notify: {
            groupWindowMs: 0,
            cooldownMs: 0,
            destinations: {
              desk: { kind: "webhook", url: hooks.url("/desk") },
              gone: { kind: "slack", url: hooks.url("/gone"), ratePerMinute: 60_000 },
            },
            routes: [{ to: ["desk", "gone"] }],
          },
        }),
      );
      const alerts = (await readTopic(kafka, `${topic}.alerts`)).length;
      expect(alerts).toBeGreaterThan(0);
      const r = await stockpipe(["notify", "--exit-at-end", "-g", uniqueName("dash-notify"), "--from", "earliest"], {
        env: { ...env, STOCKPIPE_CONFIG: file },
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = page.locator("#destinations tr");
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
      const text = (await page.locator("#destinations").textContent()) ?? "";
      expect(text).toContain("desk (webhook)");
      expect(text).toContain(`${alerts.toLocaleString("en-US")} in ${alerts.toLocaleString("en-US")}`);
      expect(text).toContain("gone (slack)");
      expect(text).toContain("gone refused it: HTTP 404 Not Found: no_service");
      expect(text).not.toContain("/gone");
      await shot(page, "3b-destinations");
    } finally {
      await hooks.close();
    }
  });

  it("lists the live feeds producing to the topic with their gaps, from what produce wrote last of each", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `${topic}.feed-status`, configEntries: [{ name: "cleanup.policy", value: "compact" }] }],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const at = new Date().toISOString();
    const status = (state: string, repaired: number, gapsLeft: number, missed: number) => ({
      source: "coinbase",
      feed: "coinbase",
      endpoint: "wss://ws-feed.exchange.coinbase.com/",
      topic,
      state,
      sent: 1234,
      connections: 2,
      reconnects: 1,
      gaps: 3,
      gapsLeft,
      repaired,
      restCalls: 4,
      missed,
      duplicates: 0,
      lastGap: { at, detail: "BTC-USD: trade ids 1010–1012 never arrived" },
      at,
    });
    try {
      // Two records of one feed (the latest wins), and a second feed.
      await producer.send({
        topic: `${topic}.feed-status`,
        messages: [
          { key: "coinbase", value: JSON.stringify(status("reconnecting", 2, 2, 9)) },
          { key: "coinbase", value: JSON.stringify(status("streaming", 7, 1, 5)) },
          { key: "majors", value: JSON.stringify({ ...status("stopped", 0, 0, 0), source: "majors", feed: "binance", gaps: 0 }) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const rows = page.locator("#sources tr");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    const cells = async (i: number) => (await rows.nth(i).locator("td").allTextContents()).map((c) => c.trim());
    expect(await cells(1)).toEqual([
      "coinbase",
      "wss://ws-feed.exchange.coinbase.com/",
      "streaming",
      "1,234",
      "1",
      "3, 1 not whole",
      "7",
      "4",
      "5",
      expect.stringMatching(/^\d\d:\d\d:\d\d BTC-USD: trade ids 1010–1012 never arrived$/),
    ]);
    expect((await cells(2)).slice(0, 6)).toEqual([
      "majors (binance)",
      "wss://ws-feed.exchange.coinbase.com/",
      "stopped",
      "1,234",
      "1",
      "0",
    ]);
    await shot(page, "3c-live-feeds");
  });

  it("reconnects after the server restarts and goes on with live data", async () => {
    const port = dashboard!.port;
    expect(await stop(dashboard)).toBe(130);
    await expect.poll(() => page.locator("#conn").getAttribute("data-state"), { timeout: 10_000 }).toBe("reconnecting");
    await shot(page, "4-reconnecting");
    dashboard = await serve(["dashboard", "--port", String(port)], env, DASHBOARD_AT);
    await expect.poll(() => page.locator("#conn").getAttribute("data-state"), { timeout: 20_000 }).toBe("live");
    const symbol = Object.keys(await latestPrices()).sort()[2]!;
    await send(topic, [{ symbol, ts: eventEnd + 200, price: 4321.09, volume: 1 }]);
    await expect.poll(async () => (await boardOf(page))[symbol], { timeout: 10_000 }).toBe("4321.09");
    await shot(page, "5-reconnected");
  });

  it("with Cassandra out of reach, says the history is unavailable while live data flows", async () => {
    const away = await serve(
      ["dashboard", "--port", "0", "--history", "cassandra"],
      { ...env, STOCKPIPE_CASSANDRA_CONTACT_POINTS: `127.0.0.1:${await freePort()}` },
      DASHBOARD_AT,
    );
    const other = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    try {
      await other.goto(away.url);
      await expect
        .poll(() => other.locator("#history-note").textContent(), { timeout: 30_000 })
        .toMatch(/history unavailable: Cassandra at 127\.0\.0\.1:\d+/);
      await expect.poll(() => other.locator("#services").textContent(), { timeout: 30_000 }).toMatch(/cassandra.*✗/);
      const symbol = Object.keys(await latestPrices()).sort()[3]!;
      await send(topic, [{ symbol, ts: eventEnd + 300, price: 1234.56, volume: 1 }]);
      await expect.poll(async () => (await boardOf(other))[symbol], { timeout: 10_000 }).toBe("1234.56");
      await shot(other, "6-cassandra-away");
    } finally {
      await other.close();
      await stop(away);
    }
  });

  it("serves /metrics that move with traffic, and analyze's lag matches `topic lag`", async () => {
    const scrape = async (url: string) => parsePrometheus(await (await fetch(url)).text());
    const value = (families: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string>) =>
      Number(
        families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ??
          Number.NaN,
      );

    const before = value(await scrape(`${dashboard!.url}metrics`), "stockpipe_records_in_total", { kind: "ticks" });
    await send(
      topic,
      Array.from({ length: 50 }, (_, i) => ({ symbol: "ZZMETRIC", ts: eventEnd + 400 + i, price: 10 + i, volume: 1 })),
    );
    await expect
      .poll(async () => value(await scrape(`${dashboard!.url}metrics`), "stockpipe_records_in_total", { kind: "ticks" }), {
        timeout: 10_000,
      })
      .toBe(before + 50);

    // analyze: every message of the topic counted once, and the same lag as the group's committed offsets give.
    const total = (await readTopic(kafka, topic)).length;
    const metricsUrl = analyze!.url;
    await expect
      .poll(async () => value(await scrape(metricsUrl), "stockpipe_records_in_total", { kind: "message", command: "analyze" }), {
        timeout: 30_000,
      })
      .toBe(total);
    await sleep(1500);
    const lag = await stockpipe(["topic", "lag", topic, "-g", group, "-f", "json"], { env });
    expect(lag.code, lag.stderr).toBe(0);
    const committedLag = (JSON.parse(lag.stdout) as { lag: number }[]).reduce((n, p) => n + p.lag, 0);
    const families = await scrape(metricsUrl);
    expect(value(families, "stockpipe_consumer_lag", { topic })).toBe(committedLag);
    expect(value(families, "stockpipe_records_out_total", { kind: "alert" })).toBeGreaterThanOrEqual(1);
    expect(families.find((f) => f.name === "stockpipe_batch_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(families.find((f) => f.name === "process_resident_memory_bytes")).toBeDefined();
  });
});

describe("stockpipe dashboard, access", () => {
  it("off loopback requires the token it prints, and no page, event or metric carries a configured secret", async () => {
    const topic = uniqueName("dash-access");
    const password = `pw-${uniqueName("secret")}`;
    const env = {
      STOCKPIPE_KAFKA_TOPIC: topic,
      STOCKPIPE_CASSANDRA_USERNAME: "reader",
      STOCKPIPE_CASSANDRA_PASSWORD: password,
    };
    expect((await stockpipe(["topic", "create", topic, "-p", "1"], { env })).code).toBe(0);
    await send(topic, [{ symbol: "SECRT", ts: Date.now(), price: 12.5, volume: 1 }]);
    const s = await serve(["dashboard", "--port", "0", "--host", "0.0.0.0"], env, DASHBOARD_AT);
    try {
      const printed = /\?token=([A-Za-z0-9_-]+)/.exec(s.stderr());
      expect(printed, s.stderr()).not.toBeNull();
      const base = `http://127.0.0.1:${s.port}/`;
      expect((await fetch(base)).status).toBe(401);
      expect((await fetch(`${base}?token=wrong-${printed![1]}`)).status).toBe(401);
      expect((await fetch(`${base}metrics`)).status).toBe(401);
      const page = await fetch(`${base}?token=${printed![1]}`);
      expect(page.status).toBe(200);
      const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
      // What the page gets: the first events, the health, the history and the metrics; none holds the secret.
      const events = await fetch(`${base}events`, { headers: { cookie } });
      const reader = events.body!.getReader();
      let text = "";
      const until = Date.now() + 8000;
      while (Date.now() < until && !(text.includes("event: health") && text.includes("SECRT")))
        text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(text).toContain("SECRT");
      const rest = await Promise.all(
        ["api/health", "api/bars?symbol=SECRT", "metrics", "app.js"].map(async (path) =>
          (await fetch(`${base}${path}`, { headers: { cookie } })).text(),
        ),
      );
      for (const body of [text, ...rest, s.stderr()]) expect(body).not.toContain(password);
    } finally {
      await stop(s);
    }
  });

  it("serves the demo's data with demo --dashboard, streaming until Ctrl-C", async () => {
    const demo = await serve(["demo", "--dashboard", "0", "--symbols", "AAPL,MSFT"], {}, DASHBOARD_AT);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(demo.url);
      await expect.poll(async () => Object.keys(await boardOf(page)).sort(), { timeout: 60_000 }).toEqual(["AAPL", "HSI", "MSFT"]);
    } finally {
      await browser.close();
      demo.child.kill("SIGINT");
    }
    expect(await demo.done, demo.stderr()).toBe(0);
    expect(demo.stderr()).toMatch(/both sinks hold every produced tick exactly once/);
  });
});

describe("stockpipe dashboard, bad input", () => {
  it("says in one line what is wrong with the port, a port in use, or a topic that does not exist", async () => {
    const bad = await stockpipe(["dashboard", "--port", "http"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("error: --port http must be a port number (0–65535)");

    const held = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => held.once("listening", r));
    const port = (held.address() as { port: number }).port;
    try {
      const busy = await stockpipe(["dashboard", "--port", String(port)], { timeoutMs: 60_000 });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(new RegExp(`error: port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      held.close();
    }

    // An interval analyze was run with (by flag), not in analytics.intervals: the dashboard asks Kafka, and waits.
    const ticks = uniqueName("test-dash-1s");
    expect((await stockpipe(["topic", "create", ticks, "-p", "1"])).code).toBe(0);
    const oneSecond = await serve(["dashboard", "--port", "0", "--topic", ticks, "--interval", "1s"], {}, DASHBOARD_AT);
    expect(await stop(oneSecond)).toBe(130);
    expect(oneSecond.stderr()).toContain(`the chart's bars topic ${ticks}.bars.1s does not exist yet`);
    expect(oneSecond.stderr()).toContain(`1s bars from ${ticks}.bars.1s`);

    const missing = uniqueName("nosuch");
    const gone = await stockpipe(["dashboard", "--port", "0", "--topic", missing]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(new RegExp(`error: topic ${missing} does not exist`));

    const metrics = await stockpipe(["consume", "--sink", "cassandra", "--metrics-port", "nine"]);
    expect(metrics.code).toBe(2);
    expect(metrics.stderr).toMatch(/--metrics-port nine must be a port/);
  });
});
