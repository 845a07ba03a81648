/**
 * Per symbol-day digests: how many records a side holds for a (kind, symbol, day) and an order-independent hash of
 * their ids and contents, so two sides are compared in memory that grows with symbol-days, not with records. Two
 * sides whose digests are equal hold the same multiset of (id, content); a digest that differs is looked at again
 * record by record (see plan.ts), only for that symbol-day.
 */
import type { KindName } from "../model/kinds";
import type { Seen } from "./reconcile";

export interface Digest {
  kind: KindName;
  symbol: string;
  day: string;
  /** Records (rows) seen, duplicates included. */
  records: number;
  /** Two 32-bit lanes of the sum, modulo 2^32 each, of every record's 64-bit hash. */
  h1: number;
  h2: number;
  /** Where the records were found: Kafka partitions, or Cassandra's buckets of the day (read again there only). */
  places: Set<number>;
}

/** The key of a (kind, symbol, day). */
export function digestKey(kind: KindName, symbol: string, day: string): string {
  return `${kind}\u0000${symbol}\u0000${day}`;
}

let lane1 = 0;
let lane2 = 0;

/** Hashes `a`, a separator and `b` into lane1/lane2 (cyrb53's mixing, both 32-bit halves kept): no string is built. */
function hashPair(a: string, b: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ 1, 2654435761);
  h2 = Math.imul(h2 ^ 1, 1597334677);
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lane1 = h1 >>> 0;
  lane2 = h2 >>> 0;
}

/** Which of `slices` an id falls in (its own hash, independent of the digest's): splits a large symbol-day. */
export function sliceOf(id: string, slices: number): number {
  if (slices <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % slices;
}

/** The digests of one side (the topic, or one store), keyed by digestKey. */
export class Digests {
  readonly byKey = new Map<string, Digest>();
  records = 0;

  /** Digests as another thread made them (a structured clone keeps the Map and Sets, not the class). */
  static of(byKey: Map<string, Digest>, records: number): Digests {
    const d = new Digests();
    for (const [k, v] of byKey) d.byKey.set(k, v);
    d.records = records;
    return d;
  }

  add(kind: KindName, s: Seen, place: number): void {
    const key = digestKey(kind, s.symbol, s.day);
    let d = this.byKey.get(key);
    if (!d) {
      d = { kind, symbol: s.symbol, day: s.day, records: 0, h1: 0, h2: 0, places: new Set() };
      this.byKey.set(key, d);
    }
    hashPair(s.id, s.fingerprint);
    d.records++;
    d.h1 = (d.h1 + lane1) >>> 0;
    d.h2 = (d.h2 + lane2) >>> 0;
    if (place >= 0) d.places.add(place);
    this.records++;
  }
}

/** Whether two digests hold the same records (count and both hash lanes). */
export function sameDigest(a: Digest | undefined, b: Digest | undefined): boolean {
  return a !== undefined && b !== undefined && a.records === b.records && a.h1 === b.h1 && a.h2 === b.h2;
}
