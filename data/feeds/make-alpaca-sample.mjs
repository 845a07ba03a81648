// Writes alpaca-sample.jsonl: three minutes of a recorded Alpaca stream (see README.md beside this file).
// Deterministic: the same file every time. Usage: node data/feeds/make-alpaca-sample.mjs
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SYMBOLS = { AAPL: 172.6, MSFT: 421.3, NVDA: 878.4, AMZN: 178.1, TSLA: 163.5 };
const START = Date.UTC(2024, 2, 15, 14, 30); // Friday 15 March 2024, 10:30 in New York
const SECONDS = 180;

let seed = 20240315;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const round2 = (x) => Math.round(x * 100) / 100;
const rfc3339 = (ms, nanos) => `${new Date(ms).toISOString().slice(0, 23)}${String(nanos).padStart(6, "0")}Z`;

const lines = [];
const record = (at, frame) => lines.push(JSON.stringify({ at, frame: JSON.stringify(frame) }));
lines.push(
  JSON.stringify({
    recording: "stockpipe feed",
    version: 1,
    feed: "alpaca",
    options: { dataFeed: "iex", symbols: Object.keys(SYMBOLS), channels: ["trades", "quotes"], keyEnv: "APCA_API_KEY_ID", secretEnv: "APCA_API_SECRET_KEY" },
    url: "wss://stream.data.alpaca.markets/v2/iex",
    startedAt: new Date(START - 2000).toISOString(),
  }),
);
lines.push(JSON.stringify({ at: START - 2000, connected: true }));
record(START - 1990, [{ T: "success", msg: "connected" }]);
record(START - 1950, [{ T: "success", msg: "authenticated" }]);
record(START - 1900, [{ T: "subscription", trades: Object.keys(SYMBOLS), quotes: Object.keys(SYMBOLS), bars: [] }]);

const price = { ...SYMBOLS };
let tradeId = 52_983_525_027_000;
for (let ms = START; ms < START + SECONDS * 1000; ms += 250) {
  const frame = [];
  for (const symbol of Object.keys(SYMBOLS)) {
    // A minute and 40 s in — inside a minute's window, so that the window's low is before it — TSLA jumps 3.2% on
    // news: enough for the price-move rule.
    if (symbol === "TSLA" && ms === START + 100_000) price.TSLA = round2(price.TSLA * 1.032);
    const trades = Math.floor(random() * 3);
    for (let k = 0; k < trades; k++) {
      price[symbol] = round2(price[symbol] * (1 + (random() - 0.5) * 0.0008));
      const t = ms + Math.floor(random() * 250);
      const size = random() < 0.7 ? 100 * (1 + Math.floor(random() * 5)) : 1 + Math.floor(random() * 99);
      frame.push({ T: "t", S: symbol, i: tradeId++, x: "V", p: price[symbol], s: size, t: rfc3339(t, Math.floor(random() * 1e6)), c: ["@"], z: "C" });
    }
    if (random() < 0.3) {
      const spread = round2(price[symbol] * 0.0002) || 0.01;
      const bp = round2(price[symbol] - spread / 2);
      frame.push({ T: "q", S: symbol, bx: "V", bp, bs: 1 + Math.floor(random() * 9), ax: "V", ap: round2(bp + spread), as: 1 + Math.floor(random() * 9), t: rfc3339(ms + 200, 0), c: ["R"], z: "C" });
    }
  }
  if (frame.length) record(ms + 250 + Math.floor(random() * 5), frame);
}
const out = join(dirname(fileURLToPath(import.meta.url)), "alpaca-sample.jsonl");
writeFileSync(out, `${lines.join("\n")}\n`);
console.log(`wrote ${out}: ${lines.length - 2} frames`);
