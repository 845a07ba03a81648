/**
 * The market simulator: geometric Brownian motion per symbol, each with its own drift and volatility, bid/ask
 * around the price and plausible volumes. Event time advances by 1/rate seconds per tick. With a seed the
 * stream is the same byte for byte on every run.
 */
import { z } from "zod";
import { fieldError, UsageError } from "../errors";
import { type Tick, tickId } from "../model/tick";
import { sourceKit } from "./kit";
import type { Source, SourceItem } from "./types";

export interface SyntheticOptions {
  /** Explicit tickers, or a count of generated ones. */
  symbols: string[] | number;
  seed?: number;
  /** Event-time ticks per second (the simulated market's pace). */
  eventRate: number;
  /**
   * Event time of the first tick (epoch ms). Undefined: the moment the first tick is made, so that with
   * `--rate` each tick's event time is the wall-clock time it is scheduled to be sent (what latency is measured from).
   */
  startMs?: number;
}

/** How far ahead of the wall clock a simulator on the clock may stamp a tick. */
const LIVE_LEAD_MS = 1000;

/** mulberry32: small, fast, good enough for simulation, and reproducible from a 32-bit seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** `count` distinct 3-4 letter tickers, the same for the same count. */
export function generatedTickers(count: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const rand = prng(0x5eed);
  while (out.length < count) {
    const len = 3 + (rand() < 0.4 ? 1 : 0);
    let s = "";
    for (let i = 0; i < len; i++) s += String.fromCharCode(65 + Math.floor(rand() * 26));
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

interface SymbolState {
  symbol: string;
  price: number;
  drift: number;
  vol: number;
}

const SECONDS_PER_YEAR = 252 * 6.5 * 3600;

function roundPrice(p: number): number {
  const step = p < 1 ? 10_000 : 100;
  return Math.max(1 / step, Math.round(p * step) / step);
}

export class SyntheticSource implements Source {
  readonly name = "synthetic";
  constructor(private readonly o: SyntheticOptions) {}

  async open(): Promise<void> {}

  async *items(signal: AbortSignal): AsyncGenerator<SourceItem> {
    const rand = prng(this.o.seed ?? (Math.random() * 2 ** 32) >>> 0);
    const tickers = Array.isArray(this.o.symbols) ? this.o.symbols : generatedTickers(this.o.symbols);
    const states: SymbolState[] = tickers.map((symbol) => ({
      symbol,
      price: 10 + rand() * 490,
      drift: -0.05 + rand() * 0.2,
      vol: 0.15 + rand() * 0.45,
    }));
    const stepMs = 1000 / this.o.eventRate;
    const live = this.o.startMs === undefined;
    const startMs = this.o.startMs ?? performance.timeOrigin + performance.now();
    // Each symbol trades about once per (symbols / rate) seconds: that is its time step.
    const dt = states.length / this.o.eventRate / SECONDS_PER_YEAR;
    for (let seq = 0; !signal.aborted; seq++) {
      const s = states[Math.floor(rand() * states.length)]!;
      s.price *= Math.exp((s.drift - (s.vol * s.vol) / 2) * dt + s.vol * Math.sqrt(dt) * gaussian(rand));
      const price = roundPrice(s.price);
      const halfSpread = Math.max(0.005, price * (0.00005 + rand() * 0.0005));
      let eventMs = Math.floor(startMs + seq * stepMs);
      // On the clock (no start given), a run faster than its pace crowds its ticks at the clock's now instead of
      // running ahead of it (a tick from the future is refused downstream); a paced run is never a second ahead.
      if (live) eventMs = Math.min(eventMs, Math.floor(performance.timeOrigin + performance.now()) + LIVE_LEAD_MS);
      const tick: Tick = {
        symbol: s.symbol,
        ts: new Date(eventMs).toISOString(),
        price,
        volume: Math.max(1, Math.round(Math.exp(4 + 1.2 * gaussian(rand)))),
        bid: roundPrice(price - halfSpread),
        ask: roundPrice(price + halfSpread),
        currency: "USD",
        source: "synthetic",
        seq,
      };
      // Built in the canonical field order already: only the id is missing.
      tick.id = tickId(tick);
      yield { kind: "tick", tick, eventMs };
    }
  }

  async close(): Promise<void> {}
}

/** The most generated symbols a simulator makes. */
export const MAX_GENERATED_SYMBOLS = 100_000;

export const synthetic = sourceKit({
  kind: "synthetic",
  summary: "the market simulator: seeded, reproducible ticks of given or generated symbols",
  fields: {
    symbols: z
      .union([z.array(z.string().min(1)), z.number()])
      .optional()
      .describe("Tickers, or a number of generated ones (default: AAPL, MSFT, GOOG, AMZN, NVDA)"),
    seed: z.number().int().min(0).max(4_294_967_295).optional().describe("Makes the stream reproducible byte for byte"),
    startMs: z
      .number()
      .int()
      .optional()
      .describe("Event time of the first tick, epoch ms (default: now, or 2024-01-02T14:30Z with a seed)"),
    rate: z.number().positive().optional().describe("Simulated ticks per second (default 1000)"),
  },
  async create(s) {
    const symbols = s.symbols ?? ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA"];
    if (typeof symbols === "number" && (!Number.isInteger(symbols) || symbols < 1 || symbols > MAX_GENERATED_SYMBOLS))
      throw fieldError(UsageError, (n) => [
        `${n("symbols")} ${symbols}: give 1 to ${MAX_GENERATED_SYMBOLS} generated symbols, or a list like AAPL,MSFT`,
      ]);
    if (Array.isArray(symbols) && symbols.length === 0) throw fieldError(UsageError, (n) => [`${n("symbols")} is empty`]);
    // Reproducible streams need a fixed start: with a seed the clock starts at a fixed trading-day open.
    const startMs = s.startMs ?? (s.seed !== undefined ? Date.parse("2024-01-02T14:30:00.000Z") : undefined);
    return new SyntheticSource({ symbols, seed: s.seed, startMs, eventRate: s.rate ?? 1000 });
  },
});
