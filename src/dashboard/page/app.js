// The stockpipe dashboard page: one server-sent-events stream feeds the board, the chart, the alerts and the
// health panel; the chart's earlier bars come from the server's bars API. No framework, no build step: each
// section is an ES module served as written, and the chart library (TradingView Lightweight Charts) is served
// from the npm package by the dashboard itself.
import { addAlert } from "./alerts.js";
import { applyRows, onBoard } from "./board.js";
import { addBar, formingTick, fromHash, loadHistory, select, showInterval } from "./chart.js";
import { setTimeZone } from "./format.js";
import { renderHealth } from "./health.js";
import { EVENTS } from "./protocol.js";
import { $, intervalMs, page } from "./state.js";
import { connect } from "./stream.js";

onBoard({ selectedTicked: formingTick, select });

let feeds = [];
let health;

connect({
  [EVENTS.hello](h) {
    page.interval = h.interval;
    page.intervalMs = intervalMs(h.interval);
    setTimeZone(h.timeZone);
    showInterval();
    $("topic").textContent = `${h.topic} · ${h.timeZone}`;
    $("chart-interval").textContent = h.interval;
    const before = page.selected;
    fromHash();
    applyRows(h.board);
    for (const a of [...h.alerts].reverse()) addAlert(a, false);
    feeds = h.feeds;
    health = h.health;
    renderHealth(health, feeds);
    // After a reconnect: bars that closed while away come with the history.
    if (before !== undefined && before === page.selected) void loadHistory(page.selected);
  },
  [EVENTS.board]: applyRows,
  [EVENTS.bars](bars) {
    for (const b of bars) {
      if (b.symbol !== page.selected) continue;
      if (page.historyLoading) page.bars.set(Date.parse(b.start), b);
      else addBar(b);
    }
  },
  [EVENTS.alert]: (a) => addAlert(a, true),
  [EVENTS.health](h) {
    health = h;
    renderHealth(health, feeds);
  },
  [EVENTS.feeds](f) {
    feeds = f;
    renderHealth(health, feeds);
  },
});
