// The dashboard's wire protocol, shared by the server (dashboard/hub.ts, dashboard/http.ts) and the page.
// Served as written: the page imports it as an ES module, the server through protocol.d.ts.

/** Server-sent events on PATHS.events; each `data:` is JSON. */
export const EVENTS = Object.freeze({
  /** Everything a page needs to draw itself: topic, interval, time zone, board rows, alerts, health, feeds, history. */
  hello: "hello",
  /** Board rows changed since the last push, as BOARD_ROW tuples. */
  board: "board",
  /** Bars of the dashboard's interval that arrived since the last push. */
  bars: "bars",
  /** One new alert. */
  alert: "alert",
  /** The pipeline's health, every two seconds. */
  health: "health",
  /** The state of the page's topic feeds, when one changes. */
  feeds: "feeds",
});

export const PATHS = Object.freeze({
  events: "/events",
  /** ?symbol=S: the symbol's earlier bars of the dashboard's interval. */
  bars: "/api/bars",
  health: "/api/health",
  metrics: "/metrics",
});

/** The fields of a board row tuple, in order. */
export const BOARD_ROW = Object.freeze(["symbol", "price", "changePct", "volume", "ts", "trades"]);

/** The page's files, served as they are. */
export const PAGE_FILES = Object.freeze([
  "index.html",
  "style.css",
  "app.js",
  "protocol.js",
  "state.js",
  "format.js",
  "board.js",
  "chart.js",
  "alerts.js",
  "health.js",
  "stream.js",
]);
