// The stockpipe dashboard page: one server-sent-events stream (/events) feeds the board, the chart, the alerts
// and the health panel; the chart's earlier bars come from /api/bars. No framework, no build step: the chart
// library (TradingView Lightweight Charts) is served from the npm package by the dashboard itself.

const LC = window.LightweightCharts;
const $ = (id) => document.getElementById(id);

const page = {
  interval: "",
  intervalMs: 0,
  timeZone: "UTC",
  /** symbol → { data, tr, cells, dirty, visible } */
  rows: new Map(),
  sortKey: "symbol",
  sortDir: 1,
  sortDue: false,
  filter: "",
  selected: undefined,
  /** Closed bars of the selected symbol, by start (ms). */
  bars: new Map(),
  forming: undefined,
  historyLoading: false,
  alerts: 0,
};

// ---- formatting -------------------------------------------------------------------------------------------

const num = new Intl.NumberFormat("en-US");
const price = (p) => (p >= 1000 ? p.toFixed(2) : p >= 1 ? p.toFixed(2) : p.toPrecision(4));
let clock;
let dayClock;
let minuteClock;
let dateClock;
function setTimeZone(tz) {
  page.timeZone = tz;
  clock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  minuteClock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
  dateClock = new Intl.DateTimeFormat("en-GB", { timeZone: tz, day: "numeric", month: "short" });
  dayClock = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}
setTimeZone("UTC");
const hms = (ms) => clock.format(new Date(ms));
const stamp = (ms) => dayClock.format(new Date(ms)).replace(",", "");
/** Time-axis labels in the market's time zone: dates at day marks, hh:mm (or hh:mm:ss) within a day. */
function tickMark(t, type) {
  const d = new Date(t * 1000);
  if (type < 3) return dateClock.format(d);
  return type === 4 ? clock.format(d) : minuteClock.format(d);
}

// ---- the board --------------------------------------------------------------------------------------------

const tbody = document.querySelector("#board tbody");
const seen = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      const row = page.rows.get(e.target.dataset.symbol);
      if (!row) continue;
      row.visible = e.isIntersecting;
      if (row.visible && row.dirty) paintRow(row, false);
    }
  },
  { root: document.querySelector("#board-panel .scroll") },
);

function newRow(symbol) {
  const tr = document.createElement("tr");
  tr.dataset.symbol = symbol;
  const cells = [];
  for (const cls of ["", "num", "num", "num", "num"]) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    tr.appendChild(td);
    cells.push(td);
  }
  cells[0].textContent = symbol;
  const row = { data: undefined, tr, cells, dirty: true, visible: false };
  page.rows.set(symbol, row);
  tr.hidden = !matches(symbol);
  tbody.appendChild(tr);
  seen.observe(tr);
  if (symbol === page.selected) tr.classList.add("selected");
  return row;
}

function paintRow(row, flash) {
  const d = row.data;
  const c = row.cells;
  const before = c[1].textContent;
  c[1].textContent = price(d.price);
  c[2].textContent = `${d.changePct >= 0 ? "+" : ""}${d.changePct.toFixed(2)}`;
  c[2].className = `num ${d.changePct > 0 ? "up" : d.changePct < 0 ? "down" : ""}`;
  c[3].textContent = num.format(d.volume);
  c[4].textContent = hms(d.ts);
  row.dirty = false;
  if (flash && before && before !== c[1].textContent) {
    const up = d.price >= (row.shown ?? d.price);
    c[1].animate([{ backgroundColor: up ? "rgba(38,166,154,.55)" : "rgba(239,83,80,.55)" }, { backgroundColor: "transparent" }], {
      duration: 700,
    });
  }
  row.shown = d.price;
}

let painting = false;
function schedulePaint() {
  if (painting) return;
  painting = true;
  requestAnimationFrame(() => {
    painting = false;
    for (const row of page.rows.values()) if (row.dirty && row.visible) paintRow(row, true);
    if (page.sortDue) sortBoard();
    $("board-count").textContent = `${num.format(page.rows.size)} symbols`;
  });
}

function applyRows(tuples) {
  for (const [symbol, p, changePct, volume, ts, trades] of tuples) {
    const row = page.rows.get(symbol) ?? newRow(symbol);
    row.data = { symbol, price: p, changePct, volume, ts, trades };
    row.dirty = true;
    if (symbol === page.selected) formingTick(p, ts);
  }
  if (page.sortKey !== "symbol" || tuples.some(([s]) => !page.rows.get(s).placed)) page.sortDue = true;
  if (page.selected === undefined && page.rows.size > 0) select([...page.rows.keys()].sort()[0]);
  schedulePaint();
}

let lastSort = 0;
function sortBoard() {
  // A live column re-sorts at most once a second, so rows do not jump under the pointer at every tick.
  const now = performance.now();
  if (now - lastSort < 1000 && page.sortKey !== "symbol") return;
  lastSort = now;
  page.sortDue = false;
  const k = page.sortKey;
  const rows = [...page.rows.values()].filter((r) => r.data);
  rows.sort((a, b) => {
    const x = a.data[k];
    const y = b.data[k];
    return (x < y ? -1 : x > y ? 1 : 0) * page.sortDir;
  });
  let prev = null;
  for (const r of rows) {
    r.placed = true;
    const expected = prev ? prev.nextSibling : tbody.firstChild;
    if (expected !== r.tr) tbody.insertBefore(r.tr, expected);
    prev = r.tr;
  }
  for (const th of document.querySelectorAll("#board th")) th.dataset.sort = th.dataset.key === k ? String(page.sortDir) : "";
}

for (const th of document.querySelectorAll("#board th")) {
  th.addEventListener("click", () => {
    const k = th.dataset.key;
    page.sortDir = page.sortKey === k ? -page.sortDir : k === "symbol" ? 1 : -1;
    page.sortKey = k;
    lastSort = 0;
    page.sortDue = true;
    schedulePaint();
  });
}

function matches(symbol) {
  return page.filter === "" || symbol.includes(page.filter);
}
$("filter").addEventListener("input", (e) => {
  page.filter = e.target.value.trim().toUpperCase();
  for (const [symbol, row] of page.rows) row.tr.hidden = !matches(symbol);
});
tbody.addEventListener("click", (e) => {
  const tr = e.target.closest("tr");
  if (tr) location.hash = `symbol=${encodeURIComponent(tr.dataset.symbol)}`;
});

// ---- the chart --------------------------------------------------------------------------------------------

const chart = LC.createChart($("chart"), {
  autoSize: true,
  layout: { background: { type: "solid", color: "#161b22" }, textColor: "#c9d1d9", attributionLogo: true },
  grid: { vertLines: { color: "#21262d" }, horzLines: { color: "#21262d" } },
  // Candles no wider than 24 px, a little room on the right for the one forming.
  timeScale: {
    timeVisible: true,
    secondsVisible: false,
    borderColor: "#30363d",
    tickMarkFormatter: tickMark,
    maxBarSpacing: 24,
    rightOffset: 2,
  },
  rightPriceScale: { borderColor: "#30363d" },
  localization: { timeFormatter: (t) => stamp(t * 1000) },
});
const candles = chart.addSeries(LC.CandlestickSeries, {
  upColor: "#26a69a",
  downColor: "#ef5350",
  borderVisible: false,
  wickUpColor: "#26a69a",
  wickDownColor: "#ef5350",
});
candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.28 } });
const volumes = chart.addSeries(LC.HistogramSeries, { priceFormat: { type: "volume" }, priceScaleId: "", lastValueVisible: false });
volumes.priceScale().applyOptions({ scaleMargins: { top: 0.78, bottom: 0 } });
const vwaps = chart.addSeries(LC.LineSeries, {
  color: "#f0b429",
  lineWidth: 1,
  priceLineVisible: false,
  lastValueVisible: false,
  crosshairMarkerVisible: false,
});

const sec = (iso) => Date.parse(iso) / 1000;

function legendOf(b, forming) {
  const tag = forming ? " (forming)" : "";
  const v = forming ? "" : ` V ${num.format(b.volume)} VWAP ${price(b.vwap)} trades ${num.format(b.trades)}`;
  return `${b.symbol} ${page.interval} ${stamp(Date.parse(b.start))}${tag} O ${price(b.open)} H ${price(b.high)} L ${price(b.low)} C ${price(b.close)}${v}`;
}

function showLegend() {
  const legend = $("legend");
  const last = [...page.bars.values()].at(-1);
  if (!last) {
    legend.textContent = page.selected ? `no ${page.interval} bars of ${page.selected} yet` : "no bars yet";
    delete legend.dataset.start;
    return;
  }
  legend.textContent = legendOf(last, false);
  legend.dataset.start = last.start;
  legend.dataset.ohlc = [last.open, last.high, last.low, last.close].join(",");
}

chart.subscribeCrosshairMove((p) => {
  if (!p.time) return showLegend();
  const b = page.bars.get(p.time * 1000);
  if (b) $("legend").textContent = legendOf(b, false);
});

/** Draws the closed bars (and the forming candle after them). */
function drawAll() {
  const list = [...page.bars.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
  page.bars = new Map(list.map((b) => [Date.parse(b.start), b]));
  const c = list.map((b) => ({ time: sec(b.start), open: b.open, high: b.high, low: b.low, close: b.close }));
  const lastMs = list.length ? Date.parse(list.at(-1).start) : -Infinity;
  if (page.forming && page.forming.startMs > lastMs) c.push(formingCandle());
  candles.setData(c);
  volumes.setData(
    list.map((b) => ({ time: sec(b.start), value: b.volume, color: b.close >= b.open ? "rgba(38,166,154,.45)" : "rgba(239,83,80,.45)" })),
  );
  vwaps.setData(list.map((b) => ({ time: sec(b.start), value: b.vwap })));
  $("chart").dataset.candles = String(list.length);
  showLegend();
}

function formingCandle() {
  const f = page.forming;
  return {
    time: f.startMs / 1000,
    open: f.open,
    high: f.high,
    low: f.low,
    close: f.close,
    color: "rgba(139,148,158,.6)",
    wickColor: "#8b949e",
  };
}

/** While every candle fits on screen, a new one keeps them all in view (beyond that the chart scrolls on). */
function keepInView() {
  if (page.bars.size < 120) chart.timeScale().fitContent();
}

/** A closed bar of the selected symbol arrived. */
function addBar(b) {
  const ms = Date.parse(b.start);
  const lastMs = page.bars.size ? Math.max(...page.bars.keys()) : -Infinity;
  page.bars.set(ms, b);
  if (page.forming && page.forming.startMs <= ms) page.forming = undefined;
  if (ms >= lastMs && !page.forming) {
    candles.update({ time: sec(b.start), open: b.open, high: b.high, low: b.low, close: b.close });
    volumes.update({ time: sec(b.start), value: b.volume, color: b.close >= b.open ? "rgba(38,166,154,.45)" : "rgba(239,83,80,.45)" });
    vwaps.update({ time: sec(b.start), value: b.vwap });
    $("chart").dataset.candles = String(page.bars.size);
    showLegend();
  } else drawAll();
  if (ms > lastMs) keepInView();
}

/** The selected symbol ticked: the candle of the window not closed yet follows it (intraday intervals). */
function formingTick(p, ts) {
  if (!page.intervalMs || page.interval.endsWith("d") || page.historyLoading) return;
  const startMs = Math.floor(ts / page.intervalMs) * page.intervalMs;
  const lastMs = page.bars.size ? Math.max(...page.bars.keys()) : -Infinity;
  const f = page.forming;
  // A tick of a window already closed, or older than the forming one: the closed bars have it.
  if (startMs <= lastMs || (f && startMs < f.startMs)) return;
  const fresh = !f || startMs > f.startMs;
  if (fresh) page.forming = { startMs, open: p, high: p, low: p, close: p };
  else Object.assign(f, { high: Math.max(f.high, p), low: Math.min(f.low, p), close: p });
  try {
    candles.update(formingCandle());
  } catch {
    drawAll();
  }
  if (fresh) keepInView();
}

let historyRequest = 0;
async function loadHistory(symbol) {
  const mine = ++historyRequest;
  page.historyLoading = true;
  page.bars = new Map();
  page.forming = undefined;
  drawAll();
  const note = $("history-note");
  try {
    const res = await fetch(`api/bars?symbol=${encodeURIComponent(symbol)}`);
    const h = await res.json();
    if (mine !== historyRequest) return;
    $("history-source").textContent = `· history from ${h.source === "cassandra" ? "Cassandra" : "the bars topic"}`;
    note.hidden = !h.unavailable;
    note.textContent = h.unavailable ? `${h.unavailable} — live bars only` : "";
    for (const b of h.bars ?? []) if (!page.bars.has(Date.parse(b.start))) page.bars.set(Date.parse(b.start), b);
  } catch (err) {
    if (mine !== historyRequest) return;
    note.hidden = false;
    note.textContent = `history unavailable: ${err.message} — live bars only`;
  } finally {
    if (mine === historyRequest) {
      page.historyLoading = false;
      drawAll();
      chart.timeScale().fitContent();
    }
  }
}

function select(symbol) {
  if (!symbol || symbol === page.selected) return;
  page.rows.get(page.selected)?.tr.classList.remove("selected");
  page.selected = symbol;
  page.rows.get(symbol)?.tr.classList.add("selected");
  $("chart-symbol").textContent = symbol;
  void loadHistory(symbol);
}

function fromHash() {
  const m = /symbol=([^&]+)/.exec(location.hash);
  if (m) select(decodeURIComponent(m[1]));
}
window.addEventListener("hashchange", fromHash);

// ---- alerts -----------------------------------------------------------------------------------------------

function alertItem(a) {
  const li = document.createElement("li");
  li.className = a.severity;
  li.dataset.id = a.id;
  const time = document.createElement("span");
  time.className = "dim";
  time.textContent = `${stamp(Date.parse(a.ts))} `;
  const sev = document.createElement("span");
  sev.className = "sev";
  sev.textContent = a.severity;
  const link = document.createElement("a");
  link.href = `#symbol=${encodeURIComponent(a.symbol)}`;
  link.textContent = a.symbol;
  const text = document.createElement("span");
  text.textContent = ` ${a.rule}: ${a.message}`;
  li.append(time, sev, link, text);
  return li;
}

function addAlert(a, fresh) {
  const list = $("alerts");
  if (list.querySelector(`li[data-id="${CSS.escape(a.id)}"]`)) return;
  const li = alertItem(a);
  // Newest first by event time.
  let before = list.firstChild;
  while (before && before.dataset.ts > a.ts) before = before.nextSibling;
  li.dataset.ts = a.ts;
  list.insertBefore(li, before);
  while (list.children.length > 200) list.lastChild.remove();
  page.alerts++;
  $("alert-count").textContent = `${num.format(list.children.length)} shown`;
  if (fresh) li.animate([{ backgroundColor: "rgba(240,180,41,.4)" }, { backgroundColor: "transparent" }], { duration: 1500 });
}

// ---- health -----------------------------------------------------------------------------------------------

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function table(head, rows) {
  const t = el("table");
  const tr = el("tr");
  for (const h of head) tr.append(el("th", h));
  t.append(tr);
  for (const r of rows) {
    const row = el("tr");
    for (const c of r) row.append(c instanceof Node ? el("td").appendChild(c).parentNode : el("td", c));
    t.append(row);
  }
  return t;
}

let feeds = [];
let health;
function renderHealth() {
  const box = $("health");
  box.replaceChildren();
  if (health) {
    $("health-at").textContent = `at ${hms(Date.parse(health.at))}`;
    const line = el("p");
    line.id = "rates";
    line.textContent = `into ${health.topic}: ${num.format(Math.round(health.produceRate))} ticks/s · ${num.format(health.messages)} messages · DLQ ${
      health.dlq === null ? "–" : num.format(health.dlq)
    } · late ${health.late === null ? "–" : num.format(health.late)}`;
    box.append(line);
    if (health.error) box.append(el("p", health.error, "bad"));
    box.append(el("h3", "Consumer groups on the topic"));
    box.append(
      table(
        ["group", "members", "lag", "commits/s"],
        health.groups.map((g) => [g.group, String(g.members), num.format(g.lag), num.format(Math.round(g.rate))]),
      ),
    );
    box.append(el("h3", "Services"));
    const services = table(
      ["service", "endpoint", "answers"],
      health.services.map((s) => [s.name, s.endpoint, el("span", s.ok ? `✓ ${s.detail}` : `✗ ${s.detail}`, s.ok ? "ok" : "bad")]),
    );
    services.id = "services";
    box.append(services);
  }
  box.append(el("h3", "This page's feeds"));
  const f = table(
    ["feed", "topic", "state"],
    feeds.map((x) => [x.name, x.topic, el("span", x.message ?? x.state, x.state === "live" ? "ok" : "bad")]),
  );
  f.id = "feeds";
  box.append(f);
}

// ---- the event stream -------------------------------------------------------------------------------------

function setConn(state, text) {
  const c = $("conn");
  c.dataset.state = state;
  c.textContent = text;
}

let source;
function connect() {
  source = new EventSource("events");
  source.addEventListener("open", () => setConn("live", "live"));
  source.addEventListener("error", () => {
    setConn("reconnecting", "reconnecting…");
    // The browser retries by itself unless the stream was refused outright; then start it again.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  });
  source.addEventListener("hello", (e) => {
    const h = JSON.parse(e.data);
    page.interval = h.interval;
    page.intervalMs = intervalMs(h.interval);
    setTimeZone(h.timeZone);
    chart.applyOptions({ timeScale: { secondsVisible: page.intervalMs < 60_000 } });
    $("topic").textContent = `${h.topic} · ${h.timeZone}`;
    $("chart-interval").textContent = h.interval;
    const before = page.selected;
    fromHash();
    applyRows(h.board);
    for (const a of [...h.alerts].reverse()) addAlert(a, false);
    feeds = h.feeds;
    health = h.health;
    renderHealth();
    // After a reconnect: bars that closed while away come with the history.
    if (before !== undefined && before === page.selected) void loadHistory(page.selected);
    setConn("live", "live");
  });
  source.addEventListener("board", (e) => applyRows(JSON.parse(e.data)));
  source.addEventListener("bars", (e) => {
    for (const b of JSON.parse(e.data)) {
      if (b.symbol !== page.selected) continue;
      if (page.historyLoading) page.bars.set(Date.parse(b.start), b);
      else addBar(b);
    }
  });
  source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data), true));
  source.addEventListener("health", (e) => {
    health = JSON.parse(e.data);
    renderHealth();
  });
  source.addEventListener("feeds", (e) => {
    feeds = JSON.parse(e.data);
    renderHealth();
  });
}

function intervalMs(text) {
  const m = /^(\d+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]] : 0;
}

connect();
