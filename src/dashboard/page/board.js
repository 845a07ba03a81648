// The ticker board: one row per symbol, painted when visible, sorted by any column, filtered by name.
import { hms, num, price } from "./format.js";
import { $, page } from "./state.js";

/** What the board tells the chart: the selected symbol ticked; a first symbol to select. */
const hooks = { selectedTicked: () => {}, select: () => {} };
export function onBoard(h) {
  Object.assign(hooks, h);
}

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

export function applyRows(tuples) {
  for (const [symbol, p, changePct, volume, ts, trades] of tuples) {
    const row = page.rows.get(symbol) ?? newRow(symbol);
    row.data = { symbol, price: p, changePct, volume, ts, trades };
    row.dirty = true;
    if (symbol === page.selected) hooks.selectedTicked(p, ts);
  }
  if (page.sortKey !== "symbol" || tuples.some(([s]) => !page.rows.get(s).placed)) page.sortDue = true;
  if (page.selected === undefined && page.rows.size > 0) hooks.select([...page.rows.keys()].sort()[0]);
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
