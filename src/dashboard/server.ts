/**
 * The dashboard's HTTP server: the page and its assets, one server-sent-events stream per open page, the chart's
 * history, and /metrics. It reads the tick, bars and alerts topics into memory (./state.ts) and pushes what
 * changed to every page four times a second; alerts go out as they arrive.
 *
 * Events on /events (each `data:` is JSON):
 *   hello   everything a page needs to draw itself: topic, interval, board rows, alerts, health, feeds, history
 *   board   rows changed since the last push: [symbol, price, changePct, volume, tsMs, trades][]
 *   bars    bars of the dashboard's interval that arrived since the last push
 *   alert   one new alert
 *   health  the pipeline's health (./health.ts), every two seconds
 *   feeds   the state of the three topic feeds, when one changes
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Kafka } from "kafkajs";
import { Counter, Gauge } from "prom-client";
import type { LoadedConfig } from "../config/loader";
import { errorMessage } from "../errors";
import { createKafka } from "../kafka/client";
import type { ReadFrom } from "../kafka/reader";
import { log } from "../log";
import { isMetricsPath, listen, Metrics } from "../metrics/metrics";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import { parseInterval } from "../model/interval";
import { packageRoot } from "../util/packageRoot";
import { type FeedStatus, startFeeds } from "./feeds";
import { type Health, HealthMonitor } from "./health";
import { cassandraHistory, type HistorySource, kafkaHistory } from "./history";
import { AlertFeed, BarStore, Board, type BoardRow } from "./state";

export interface DashboardOptions {
  loaded: LoadedConfig;
  topic: string;
  barsTopic: string;
  alertsTopic: string;
  interval: string;
  host: string;
  port: number;
  /** Required by every request when set. */
  token?: string;
  history: "cassandra" | "kafka";
  /** Where the tick feed starts (default: the start of the trading day). */
  ticksFrom: ReadFrom;
  signal: AbortSignal;
  /** How often rows and bars are pushed, ms. */
  pushEveryMs?: number;
  healthEveryMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  history: HistorySource["name"];
  /** Resolves when the server has stopped (after the signal aborted). */
  closed: Promise<void>;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/vendor/lightweight-charts.js": { file: "lightweight-charts.js", type: "text/javascript; charset=utf-8" },
};

/**
 * The page's files, read once: the package's dist/page (the build copies src/dashboard/page there), or the
 * sources when run unbuilt; the chart library from its npm package.
 */
function loadAssets(): Map<string, Buffer> {
  const root = packageRoot();
  const out = new Map<string, Buffer>();
  const require = createRequire(join(root, "package.json"));
  const dir = existsSync(join(root, "dist", "page", "index.html")) ? join(root, "dist", "page") : join(root, "src", "dashboard", "page");
  for (const { file } of Object.values(ASSETS)) {
    const path =
      file === "lightweight-charts.js"
        ? join(dirname(require.resolve("lightweight-charts/package.json")), "dist", "lightweight-charts.standalone.production.js")
        : join(dir, file);
    out.set(file, readFileSync(path));
  }
  return out;
}

function rowTuple(r: BoardRow): [string, number, number, number, number, number] {
  return [r.symbol, r.price, Math.round(r.changePct * 1000) / 1000, r.volume, r.ts, r.trades];
}

/** Loopback addresses serve without a token; any other needs one. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get("token");
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7);
  const cookie = /(?:^|;\s*)stockpipe_token=([^;]+)/.exec(req.headers.cookie ?? "");
  return cookie?.[1];
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const interval = parseInterval(o.interval);
  const assets = loadAssets();
  const metrics = new Metrics("dashboard");
  const pages = new Gauge({
    name: "stockpipe_dashboard_pages",
    help: "Pages connected to the event stream",
    registers: [metrics.registry],
  });
  const events = new Counter({
    name: "stockpipe_dashboard_events_total",
    help: "Events pushed to pages (one per page), by event",
    labelNames: ["event"],
    registers: [metrics.registry],
  });
  const board = new Board(o.loaded.config.market.timeZone);
  const bars = new BarStore();
  const alerts = new AlertFeed();
  // Listen first: a port in use fails at once, before anything else starts. Until the feeds are up, requests get
  // 503 (the page tries again).
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503, { "content-type": "text/plain", "retry-after": "1" }).end("starting\n");
  };
  const server: Server = createServer((req, res) => handle(req, res));
  await listen(server, o.port, o.host);
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const history = o.history === "cassandra" ? cassandraHistory(o.loaded) : kafkaHistory(bars);
  const kafka: Kafka = createKafka(o.loaded.config);
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    await closeServer();
    throw err;
  }
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);

  const clients = new Set<ServerResponse>();
  let pendingBars: Bar[] = [];
  let health: Health | undefined;
  let feeds: FeedStatus[] = [];
  let feedsChanged = false;
  const announced = new Map<string, string>();

  const eventText = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const broadcast = (event: string, data: unknown) => {
    if (clients.size === 0) return;
    const text = eventText(event, data);
    for (const res of clients) res.write(text);
    events.inc({ event }, clients.size);
  };

  let started: Awaited<ReturnType<typeof startFeeds>>;
  try {
    started = await startFeeds(
      {
        kafka,
        topics: { ticks: o.topic, bars: o.barsTopic, alerts: o.alertsTopic },
        ticksFrom: o.ticksFrom,
        barsFrom: { time: Date.now() - 1000 * interval.ms },
        alertsFrom: { last: 200 },
        signal,
      },
      {
        tick(symbol, ts, price, volume) {
          board.add(symbol, ts, price, volume);
        },
        bar(bar) {
          if (bar.interval !== interval.name) return;
          bars.add(bar);
          pendingBars.push(bar);
        },
        alert(alert: Alert) {
          if (alerts.add(alert)) broadcast("alert", alert);
        },
        status(s) {
          // The statuses are the feeds' own objects, changed in place: compare with what was last announced.
          const now = `${s.state}|${s.message ?? ""}`;
          if (announced.get(s.name) !== now) {
            announced.set(s.name, now);
            feedsChanged = true;
          }
          metrics.advance(metrics.recordsIn, s.read, { kind: s.name });
        },
      },
    );
  } catch (err) {
    await admin.disconnect().catch(() => {});
    await history.close();
    await closeServer();
    throw err;
  }
  feeds = started.statuses;
  const snapshotFeeds = () => feeds.map((f) => ({ ...f }));

  const push = setInterval(() => {
    const rows = board.takeChanged();
    if (rows.length) broadcast("board", rows.map(rowTuple));
    if (pendingBars.length) {
      broadcast("bars", pendingBars);
      pendingBars = [];
    }
    if (feedsChanged) {
      feedsChanged = false;
      broadcast("feeds", snapshotFeeds());
    }
  }, o.pushEveryMs ?? 250);
  const monitor = new HealthMonitor(admin, o.loaded, o.topic);
  let sampling = false;
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    try {
      health = await monitor.sample();
      broadcast("health", health);
    } finally {
      sampling = false;
    }
  };
  void sample();
  const healthTimer = setInterval(() => void sample(), o.healthEveryMs ?? 2000);
  // A comment line now and then keeps proxies from closing a quiet stream.
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(": keep-alive\n\n");
  }, 15_000);

  const hello = () => ({
    topic: o.topic,
    interval: interval.name,
    timeZone: o.loaded.config.market.timeZone,
    board: board.all().map(rowTuple),
    alerts: alerts.newest(),
    health,
    feeds: snapshotFeeds(),
    history: history.name,
  });

  handle = (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (o.token !== undefined) {
      const given = tokenOf(req, url);
      if (given === undefined || !same(given, o.token)) {
        res
          .writeHead(401, { "content-type": "text/plain; charset=utf-8" })
          .end("stockpipe dashboard: open the address with ?token=… that `stockpipe dashboard` printed\n");
        return;
      }
    }
    const headers: Record<string, string> = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
    // The token given in the address is kept in a cookie, so the page's own requests carry it.
    if (o.token !== undefined && url.searchParams.has("token"))
      headers["set-cookie"] = `stockpipe_token=${o.token}; HttpOnly; SameSite=Strict; Path=/`;
    if (req.method !== "GET") {
      res.writeHead(405, { ...headers, "content-type": "text/plain" }).end("only GET\n");
      return;
    }
    if (isMetricsPath(req.url)) {
      metrics.text().then(
        (text) => res.writeHead(200, { ...headers, "content-type": metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, headers).end(err.message),
      );
      return;
    }
    const asset = ASSETS[url.pathname];
    if (asset) {
      res.writeHead(200, { ...headers, "content-type": asset.type }).end(assets.get(asset.file));
      return;
    }
    if (url.pathname === "/events") {
      res.writeHead(200, { ...headers, "content-type": "text/event-stream", connection: "keep-alive" });
      res.write("retry: 1000\n\n");
      res.write(eventText("hello", hello()));
      clients.add(res);
      pages.set(clients.size);
      req.on("close", () => {
        clients.delete(res);
        pages.set(clients.size);
      });
      return;
    }
    if (url.pathname === "/api/bars") {
      const symbol = url.searchParams.get("symbol") ?? "";
      const latest = board.all().find((r) => r.symbol === symbol)?.ts;
      history.bars(symbol, interval.name, latest).then(
        (h) => res.writeHead(200, { ...headers, "content-type": "application/json" }).end(JSON.stringify(h)),
        (err) => res.writeHead(500, { ...headers, "content-type": "application/json" }).end(JSON.stringify({ error: errorMessage(err) })),
      );
      return;
    }
    if (url.pathname === "/api/health") {
      res.writeHead(200, { ...headers, "content-type": "application/json" }).end(JSON.stringify({ health, feeds: snapshotFeeds() }));
      return;
    }
    res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found\n");
  };
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;

  const closed = new Promise<void>((resolve) => {
    const close = async () => {
      clearInterval(push);
      clearInterval(healthTimer);
      clearInterval(keepAlive);
      for (const res of clients) res.end();
      await closeServer();
      stop.abort();
      await started.done.catch((err) => log.debug(`a feed ended with: ${errorMessage(err)}`));
      await admin.disconnect().catch(() => {});
      await history.close();
      resolve();
    };
    if (o.signal.aborted) void close();
    else o.signal.addEventListener("abort", () => void close(), { once: true });
  });
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${shown}:${port}/`, port, history: history.name, closed };
}
