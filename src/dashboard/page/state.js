// What the page knows, shared by its sections.

export const $ = (id) => document.getElementById(id);

export const page = {
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

export function intervalMs(text) {
  const m = /^(\d+)([smhd])$/.exec(text);
  return m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]] : 0;
}
