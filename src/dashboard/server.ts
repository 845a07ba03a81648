/**
 * The dashboard: listen, read the tick, bars and alerts topics into the hub (./hub.ts), serve the page and the
 * event stream (./http.ts), and close it all when the signal aborts. The wire protocol is page/protocol.js.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LoadedConfig } from "../config/loader";
import { errorMessage } from "../errors";
import { createKafka } from "../kafka/client";
import type { ReadFrom } from "../kafka/reader";
import { log } from "../log";
import { listen, Metrics } from "../metrics/metrics";
import { CalendarBook } from "../model/calendar";
import { parseInterval } from "../model/interval";
import { feedStatusTopic } from "../model/status";
import { statusTopic } from "../notify/status";
import { startFeeds } from "./feeds";
import { HealthMonitor } from "./health";
import { cassandraHistory, type HistorySource, kafkaHistory } from "./history";
import { handler, loadAssets } from "./http";
import { Hub } from "./hub";

export { isLoopback } from "./http";

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

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const interval = parseInterval(o.interval);
  const assets = loadAssets();
  const metrics = new Metrics("dashboard");
  const hub = new Hub({
    topic: o.topic,
    interval,
    timeZone: o.loaded.config.market.timeZone,
    calendars: CalendarBook.forMarket(o.loaded.config.market),
    sessions: o.loaded.config.analytics.sessions,
    metrics,
    history: (bars) => (o.history === "cassandra" ? cassandraHistory(o.loaded) : kafkaHistory(bars)),
    pushEveryMs: o.pushEveryMs,
    healthEveryMs: o.healthEveryMs,
  });
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
  const kafka = createKafka(o.loaded.config);
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    await closeServer();
    throw err;
  }
  const stop = new AbortController();
  let started: Awaited<ReturnType<typeof startFeeds>>;
  try {
    started = await startFeeds(
      {
        kafka,
        topics: {
          ticks: o.topic,
          bars: o.barsTopic,
          alerts: o.alertsTopic,
          notify: statusTopic(o.alertsTopic),
          sources: feedStatusTopic(o.topic),
        },
        ticksFrom: o.ticksFrom,
        barsFrom: { time: Date.now() - 1000 * interval.ms },
        alertsFrom: { last: 200 },
        signal: AbortSignal.any([o.signal, stop.signal]),
      },
      hub.feedSinks(),
    );
  } catch (err) {
    await admin.disconnect().catch(() => {});
    await hub.historySource.close();
    await closeServer();
    throw err;
  }
  hub.start(started.statuses, new HealthMonitor(admin, o.loaded, o.topic));
  handle = handler({ assets, hub, metrics, token: o.token });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;

  const closed = new Promise<void>((resolve) => {
    const close = async () => {
      hub.stop();
      await closeServer();
      stop.abort();
      await started.done.catch((err) => log.debug(`a feed ended with: ${errorMessage(err)}`));
      await admin.disconnect().catch(() => {});
      await hub.historySource.close();
      resolve();
    };
    if (o.signal.aborted) void close();
    else o.signal.addEventListener("abort", () => void close(), { once: true });
  });
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${shown}:${port}/`, port, history: hub.historySource.name, closed };
}
