// The chart: the selected symbol's candles, volume and VWAP (TradingView Lightweight Charts, loaded by the page
// as a classic script), its history from the server, and the candle still forming from the live ticks.
import { num, price, stamp, tickMark } from "./format.js";
import { PATHS } from "./protocol.js";
import { $, page } from "./state.js";

const LC = window.LightweightCharts;

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
export function addBar(b) {
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
export function formingTick(p, ts) {
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
export async function loadHistory(symbol) {
  const mine = ++historyRequest;
  page.historyLoading = true;
  page.bars = new Map();
  page.forming = undefined;
  drawAll();
  const note = $("history-note");
  try {
    const res = await fetch(`${PATHS.bars.slice(1)}?symbol=${encodeURIComponent(symbol)}`);
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

export function select(symbol) {
  if (!symbol || symbol === page.selected) return;
  page.rows.get(page.selected)?.tr.classList.remove("selected");
  page.selected = symbol;
  page.rows.get(symbol)?.tr.classList.add("selected");
  $("chart-symbol").textContent = symbol;
  void loadHistory(symbol);
}

export function fromHash() {
  const m = /symbol=([^&]+)/.exec(location.hash);
  if (m) select(decodeURIComponent(m[1]));
}
window.addEventListener("hashchange", fromHash);

/** The dashboard's interval: seconds on the time axis below a minute. */
export function showInterval() {
  chart.applyOptions({ timeScale: { secondsVisible: page.intervalMs < 60_000 } });
}
