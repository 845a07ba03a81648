/**
 * The reconcile in bounded memory. First pass: the topic and each sink are streamed once into per symbol-day
 * digests (digest.ts), so memory holds one digest per (kind, symbol, day) and side. A symbol-day whose digests
 * agree is clean; one only the topic has is all missing; one only the sink has is extra (or outside the topic).
 * Second look, only for the symbol-days whose digests differ: their records are read again (the topic's partitions
 * they were in, the sink's partitions or symbols) and reconciled record by record, a batch of symbol-days at a
 * time within `budget` records — a symbol-day larger than the budget in slices of its ids.
 */
import type { KindName } from "../model/kinds";
import { type Digest, Digests, digestKey, sameDigest, sliceOf } from "./digest";
import { type Visit, type Wanted, wantedOf } from "./readers";
import { addCheck, type DayCheck, emptyCheck, reconcile, type Seen } from "./reconcile";

/** The two sides' readers (see readers.ts), each failing with its own one-line error. */
export interface Sides {
  /** The kinds the topic holds, from its last records: the stores are read for these while the topic is read. */
  sample(): Promise<Wanted>;
  /** Streams the topic's records; only those `partitions` when given. */
  topic(visit: Visit, partitions?: number[]): Promise<void>;
  /**
   * A side's first pass (the topic, or a sink for the kinds `wanted`) made by another thread, when one can run;
   * undefined: the side is read here, with topic() or sink().
   */
  inThread?(side: string, wanted: Wanted | undefined, onRead: (records: number) => void): Promise<Digests | undefined>;
  /** Streams a sink's rows: all, or only those of the symbol-days of `targets` (the sink's own digests of them). */
  sink(sink: string, wanted: Wanted, visit: Visit, targets?: Digest[]): Promise<void>;
}

/** Records held in memory at once by a second look (both sides): ~150 MB of ids and fingerprints. */
export const DETAIL_BUDGET = 500_000;

export interface KindChecks {
  sink: string;
  kind: KindName;
  checks: DayCheck[];
}

/** What verify is doing, for a progress line. A side is "topic" or a sink's name. */
export interface VerifyProgress {
  /** The first pass begins: these sides are read at once. */
  reading(sides: string[]): void;
  /** A side has read this many records so far (about every 100,000). */
  read(side: string, records: number): void;
  /** A side is read: what it holds ("12 ticks, 3 alerts"). */
  done(side: string, counted: string): void;
  /** A second look begins (batch `i` of `n`, `slices` symbol-day slices) or ends. */
  again(sink: string, i: number, n: number, slices: number, finished: boolean): void;
}

/** A side streamed into its digests, counting for the progress line. */
async function digest(read: (visit: Visit) => Promise<void>, onRead?: (records: number) => void, into = new Digests()): Promise<Digests> {
  await read((kind, s, place) => {
    into.add(kind, s, place);
    if (into.records % 100_000 === 0) onRead?.(into.records);
  });
  return into;
}

/** "12 ticks, 300 bars": what a side's digests counted. */
export function counted(d: Digests): string {
  const per = new Map<KindName, number>();
  for (const x of d.byKey.values()) per.set(x.kind, (per.get(x.kind) ?? 0) + x.records);
  const names: Record<KindName, string> = { tick: "ticks", bar: "bars", alert: "alerts" };
  if (per.size === 0) return "0 records";
  return [...per].map(([k, n]) => `${n.toLocaleString("en-US")} ${names[k]}`).join(", ");
}

/** What `wanted` asks that `asked` did not: the kinds and intervals a store must still be read for. */
function beyond(wanted: Wanted, asked: Wanted): Wanted | undefined {
  const kinds = new Set(
    [...wanted.kinds].filter((k) => !asked.kinds.has(k) || (k === "bar" && [...wanted.intervals].some((i) => !asked.intervals.has(i)))),
  );
  if (kinds.size === 0) return undefined;
  const intervals = new Set([...wanted.intervals].filter((i) => !asked.kinds.has("bar") || !asked.intervals.has(i)));
  return { kinds, intervals };
}

/**
 * The first pass: the topic (in a thread of its own where it can) and every store at once, the stores for the
 * kinds the topic's last records have; a store is read again for a kind or interval found only further back.
 */
async function firstPass(
  sides: Sides,
  sinks: string[],
  progress?: VerifyProgress,
): Promise<{ topic: Digests; stored: Digests[]; wanted: Wanted }> {
  const guess = await sides.sample();
  progress?.reading(guess.kinds.size ? ["topic", ...sinks] : ["topic"]);
  const onRead = (side: string) => (n: number) => progress?.read(side, n);
  const readTopic = async () => {
    const d =
      (await sides.inThread?.("topic", undefined, onRead("topic"))) ?? (await digest((visit) => sides.topic(visit), onRead("topic")));
    progress?.done("topic", counted(d));
    return d;
  };
  const readSink = async (sink: string) => {
    // Nothing sampled (an empty topic, or no record near its end): the store is read once the topic's kinds are known.
    if (guess.kinds.size === 0) return new Digests();
    const d =
      (await sides.inThread?.(sink, guess, onRead(sink))) ?? (await digest((visit) => sides.sink(sink, guess, visit), onRead(sink)));
    progress?.done(sink, counted(d));
    return d;
  };
  const [topic, ...stored] = await Promise.all([readTopic(), ...sinks.map(readSink)]);
  const wanted = wantedOf(topic!.byKey.values());
  const more = beyond(wanted, guess);
  if (more)
    for (const [i, sink] of sinks.entries()) {
      if (guess.kinds.size === 0) progress?.reading([sink]);
      await digest((visit) => sides.sink(sink, more, visit), onRead(sink), stored[i]);
      if (guess.kinds.size === 0) progress?.done(sink, counted(stored[i]!));
    }
  return { topic: topic!, stored, wanted };
}

/** Reconciles the topic with each sink; the day checks per sink and kind. */
export async function verifyStreaming(
  sides: Sides,
  sinks: string[],
  o: { budget?: number; progress?: VerifyProgress } = {},
): Promise<{ results: KindChecks[]; wanted: Wanted; records: number }> {
  const budget = o.budget ?? DETAIL_BUDGET;
  const progress = o.progress;
  const first = await firstPass(sides, sinks, progress);
  const { topic, wanted } = first;
  const results: KindChecks[] = [];
  for (const [n, sink] of sinks.entries()) {
    const stored = first.stored[n]!;
    const { checks, again } = compareDigests(topic, stored);
    const parts = batches(again, (k) => (topic.byKey.get(k)?.records ?? 0) + (stored.byKey.get(k)?.records ?? 0), budget);
    for (const [i, batch] of parts.entries()) {
      progress?.again(sink, i + 1, parts.length, batch.length, false);
      for (const c of await lookAgain(sides, sink, wanted, topic, stored, batch)) addCheck(checks.get(c.key)!, c.check);
      progress?.again(sink, i + 1, parts.length, batch.length, true);
    }
    const perKind = new Map<KindName, DayCheck[]>();
    for (const [key, check] of checks) {
      const kind = (topic.byKey.get(key) ?? stored.byKey.get(key))!.kind;
      // A kind the topic does not hold (a store's bars beside a ticks topic) was not asked for.
      if (!wanted.kinds.has(kind)) continue;
      const list = perKind.get(kind) ?? [];
      list.push(check);
      perKind.set(kind, list);
    }
    for (const kind of wanted.kinds) {
      const list = (perKind.get(kind) ?? []).sort((a, b) => a.symbol.localeCompare(b.symbol) || a.day.localeCompare(b.day));
      results.push({ sink, kind, checks: list });
    }
  }
  return { results, wanted, records: topic.records };
}

/** A symbol-day's slice to look at again: `slice` of `slices` of its ids, about `size` records of both sides. */
interface Piece {
  key: string;
  slice: number;
  slices: number;
  size: number;
}

/** The symbol-days to look at again, cut into batches of at most `budget` records. */
export function batches(keys: string[], size: (key: string) => number, budget: number): Piece[][] {
  const out: Piece[][] = [];
  let batch: Piece[] = [];
  let held = 0;
  for (const key of keys) {
    const n = size(key);
    const slices = Math.max(1, Math.ceil(n / budget));
    for (let slice = 0; slice < slices; slice++) {
      const piece = { key, slice, slices, size: Math.ceil(n / slices) };
      if (held + piece.size > budget && batch.length) {
        out.push(batch);
        batch = [];
        held = 0;
      }
      batch.push(piece);
      held += piece.size;
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

/** The day checks the digests settle, and the keys of the symbol-days to look at again (their checks start at 0). */
export function compareDigests(topic: Digests, stored: Digests): { checks: Map<string, DayCheck>; again: string[] } {
  const checks = new Map<string, DayCheck>();
  const again: string[] = [];
  for (const key of new Set([...topic.byKey.keys(), ...stored.byKey.keys()])) {
    const k = topic.byKey.get(key);
    const s = stored.byKey.get(key);
    const c = emptyCheck((k ?? s)!.symbol, (k ?? s)!.day);
    checks.set(key, c);
    if (sameDigest(k, s)) {
      c.kafka = k!.records;
      c.stored = s!.records;
    } else if (!s) {
      c.kafka = c.missing = k!.records;
    } else if (!k) {
      c.stored = c.extra = s.records;
    } else again.push(key);
  }
  return { checks, again };
}

/** One batch looked at again: both sides' records of its symbol-day slices, reconciled per kind. */
async function lookAgain(
  sides: Sides,
  sink: string,
  wanted: Wanted,
  topic: Digests,
  stored: Digests,
  batch: Piece[],
): Promise<{ key: string; check: DayCheck }[]> {
  const slices = new Map<string, { of: number; taken: Set<number> }>();
  for (const p of batch) {
    const s = slices.get(p.key) ?? { of: p.slices, taken: new Set<number>() };
    s.taken.add(p.slice);
    slices.set(p.key, s);
  }
  const keep = (kind: KindName, s: Seen): string | undefined => {
    const key = digestKey(kind, s.symbol, s.day);
    const slice = slices.get(key);
    return slice?.taken.has(sliceOf(s.id, slice.of)) ? key : undefined;
  };
  const kafka = new Map<string, Seen[]>();
  const rows = new Map<string, Seen[]>();
  const collect = (into: Map<string, Seen[]>) => (kind: KindName, s: Seen) => {
    const key = keep(kind, s);
    if (key === undefined) return;
    const list = into.get(key) ?? [];
    list.push(s);
    into.set(key, list);
  };
  const partitions = new Set<number>();
  for (const key of slices.keys()) for (const p of topic.byKey.get(key)!.places) partitions.add(p);
  await sides.topic(
    collect(kafka),
    [...partitions].sort((a, b) => a - b),
  );
  const targets = [...slices.keys()].map((key) => stored.byKey.get(key)!);
  await sides.sink(sink, wanted, collect(rows), targets);
  return [...slices.keys()].map((key) => {
    const [check] = reconcile(kafka.get(key) ?? [], rows.get(key) ?? []);
    return { key, check: check ?? emptyCheck("", "") };
  });
}
