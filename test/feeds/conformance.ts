/**
 * The feed conformance suite: what every live feed must do, run against a local server speaking each venue's
 * protocol as its public docs describe it (see venues.ts). Subscribe (and be confirmed where the venue confirms),
 * stop in one line on a refusal, produce trades sent again once after a drop, repair from the REST history the
 * trades printed while away (a history that pages and answers 429 once), repair a gap on a live socket, replace a
 * socket gone silent, reject malformed and unknown frames and go on — and in every case every trade the server's
 * market printed exactly once, field by field; where the venue has no history, every trade it sent.
 */
import { describe, expect, it } from "vitest";
import type { Tick } from "../../src/model/tick";
import type { FeedTuning } from "../../src/sources/feeds/source";
import type { GapReport } from "../../src/sources/feeds/types";
import { createSource, type SourceSpec } from "../../src/sources/registry";
import type { SourceItem } from "../../src/sources/types";
import { type RestTrouble, until } from "./servers";
import type { Venue, VenueServer } from "./venues";

const TUNING: FeedTuning = {
  silenceMs: 5000,
  pingMs: 200,
  subscribeTimeoutMs: 5000,
  backoffMs: 50,
  maxBackoffMs: 200,
  maxFrameBytes: 4 * 1024 * 1024,
  dedupWindow: 100_000,
  repair: { enabled: true, maxTrades: 100_000, maxSeconds: 20 },
};

/** A feed source read in the background, with what its connection went through. */
async function read(venue: Venue, spec: SourceSpec, o: { env?: Record<string, string>; tuning?: Partial<FeedTuning> } = {}) {
  const gaps: GapReport[] = [];
  const reconnects: string[] = [];
  let duplicates = 0;
  const source = await createSource(spec, {
    timeZone: "UTC",
    env: o.env ?? venue.env,
    feeds: { ...TUNING, ...o.tuning },
    feedEvents: {
      onGap: (_f, g) => gaps.push(g),
      onReconnecting: (_f, _a, _d, reason) => reconnects.push(reason),
      onDuplicate: () => duplicates++,
    },
  });
  await source.open();
  const stop = new AbortController();
  const items: SourceItem[] = [];
  const done = (async () => {
    for await (const item of source.items(stop.signal)) items.push(item);
  })();
  done.catch(() => {});
  const ticks = () => items.flatMap((i) => (i.kind === "tick" ? [i.tick] : []));
  return {
    items,
    ticks,
    gaps,
    reconnects,
    duplicates: () => duplicates,
    done,
    async stop() {
      stop.abort();
      await done;
      await source.close();
    },
  };
}

/** Every printed trade exactly once, each equal field by field to the tick the venue's docs make of it. */
function expectEveryTradeOnce(venue: Venue, ticks: Tick[], printed: unknown[]): void {
  const order = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    String(a.symbol).localeCompare(String(b.symbol)) || String(a.ts).localeCompare(String(b.ts)) || Number(a.seq ?? 0) - Number(b.seq ?? 0);
  expect(new Set(ticks.map((t) => t.id)).size).toBe(ticks.length);
  expect(ticks.map(({ id: _id, ...t }) => t as Record<string, unknown>).sort(order)).toEqual(
    printed.map((t) => venue.expected(t)).sort(order),
  );
}

export function feedConformance(venues: Venue[], servers: VenueServer[]): void {
  async function serve(venue: Venue, printed: unknown[]): Promise<VenueServer> {
    const server = await venue.server();
    servers.push(server);
    if (venue.history) server.rest = venue.history(printed);
    return server;
  }

  /**
   * The feed reads the first `before` trades; `away` then breaks the connection (a drop, a silence) and the venue,
   * subscribed again, resumes at trade `resumeAt`. Resolves once every printed trade has come (every trade sent,
   * from a venue without a history), the feed stopped.
   */
  async function awayAndBack(
    venue: Venue,
    o: {
      printed: unknown[];
      before: number;
      resumeAt: number;
      away(server: VenueServer): void;
      tuning?: Partial<FeedTuning>;
      trouble?: RestTrouble;
    },
  ) {
    const server = await serve(venue, o.printed);
    if (o.trouble && venue.history) server.rest = venue.history(o.printed, o.trouble);
    const expected = venue.history ? o.printed : [...o.printed.slice(0, o.before), ...o.printed.slice(Math.max(o.before, o.resumeAt))];
    const r = await read(venue, venue.spec(server), { tuning: o.tuning });
    await until(() => server.subscribed() === 1, 5000, "the subscription");
    venue.send(server, o.printed.slice(0, o.before));
    await until(() => r.ticks().length === o.before, 10_000, "the first trades");
    o.away(server);
    await until(() => server.subscribed() === 2, 5000, "the second subscription");
    venue.resume(server, o.printed.slice(o.resumeAt));
    await until(() => r.ticks().length === expected.length, 30_000, "every trade");
    await r.stop();
    expectEveryTradeOnce(venue, r.ticks(), expected);
    return { server, r };
  }

  const SILENCE = { silenceMs: 800, pingMs: 100 };

  for (const venue of venues) {
    describe(`the ${venue.name} feed`, () => {
      it("subscribes (confirmed, where the venue confirms) and makes every trade a tick equal to it field by field", async () => {
        const printed = venue.printed(300);
        const server = await serve(venue, printed);
        const r = await read(venue, venue.spec(server));
        await until(() => server.subscribed() === 1, 5000, "the subscription");
        venue.send(server, printed);
        await until(() => r.ticks().length === printed.length, 10_000, "every trade");
        await r.stop();
        expectEveryTradeOnce(venue, r.ticks(), printed);
        expect(r.gaps).toEqual([]);
        expect(server.restRequests).toEqual([]);
      });

      it("stops in one line on a subscription the venue refuses, and does not try again", async () => {
        const server = await serve(venue, venue.printed(10));
        const r = await read(venue, venue.refusal.spec(server), { env: venue.refusal.env });
        await expect(r.done).rejects.toThrow(venue.refusal.message);
        expect(server.handshakes).toBe(1);
      });

      it("produces once the trades the venue sends again after a drop", async () => {
        const printed = venue.printed(300);
        const { r } = await awayAndBack(venue, { printed, before: 180, resumeAt: 130, away: (s) => s.drop() });
        expect(r.duplicates()).toBe(50);
        expect(r.gaps).toEqual([]);
      });

      if (venue.history)
        it("repairs from the history, which pages and asks once to slow down, every trade printed while it was away", async () => {
          // More trades of each symbol while away than a page of the history holds; the venue resumes at the present.
          const away = 2 * (venue.page + 250);
          const { server, r } = await awayAndBack(venue, {
            printed: venue.printed(100 + away + 100),
            before: 100,
            resumeAt: 100 + away,
            away: (s) => s.drop(),
            trouble: { throttle: { n: 1, retryAfter: 1 } },
          });
          expect(r.gaps.map((g) => g.complete)).toEqual(venue.symbols.map(() => true));
          // Two pages for each symbol, and the 429 tried again.
          expect(server.restRequests.length).toBe(2 * venue.symbols.length + 1);
          expect(r.gaps.reduce((n, g) => n + g.calls, 0)).toBe(server.restRequests.length);
        }, 60_000);

      if (venue.liveGaps)
        it("repairs a gap on a live socket before the trade that showed it", async () => {
          const printed = venue.printed(300);
          const server = await serve(venue, printed);
          const r = await read(venue, venue.spec(server));
          await until(() => server.subscribed() === 1, 5000, "the subscription");
          const first = printed.filter((t) => venue.symbolOf(t) === venue.symbols[0]);
          const skipped = new Set(first.slice(40, 52));
          venue.send(
            server,
            printed.filter((t) => !skipped.has(t)),
          );
          await until(() => r.ticks().length === printed.length, 10_000, "every trade");
          await r.stop();
          expectEveryTradeOnce(venue, r.ticks(), printed);
          expect(r.gaps).toMatchObject([{ missed: 12, repaired: 12, left: 0, complete: true, calls: 1 }]);
          // In the order printed: the repaired trades come before the one that showed the gap.
          const seqs = r
            .ticks()
            .filter((t) => t.symbol === venue.symbols[0])
            .map((t) => Number(t.seq));
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        });

      const meanwhile = venue.history ? "repairs what was printed meanwhile" : "streams on (what was printed meanwhile is not to be had)";
      it(`replaces a socket that stops reading and answering, and ${meanwhile}`, async () => {
        const { r } = await awayAndBack(venue, {
          printed: venue.printed(400),
          before: 100,
          resumeAt: 200,
          away: (s) => s.goSilent(),
          tuning: SILENCE,
        });
        expect(r.reconnects[0]).toMatch(/^no data for \d\.\d s/);
      });

      if (venue.promisesData)
        it(`replaces a socket that still answers pings but sends no data, and ${meanwhile}`, async () => {
          // No trade and no heartbeat: the socket stays open and its pongs keep coming.
          const { r } = await awayAndBack(venue, {
            printed: venue.printed(400),
            before: 100,
            resumeAt: 200,
            away: () => {},
            tuning: SILENCE,
          });
          expect(r.reconnects[0]).toMatch(/^no data for \d\.\d s \(the socket still answered pings\)$/);
        });

      it("rejects malformed and unknown frames with their reasons and streams on", async () => {
        const printed = venue.printed(100);
        const server = await serve(venue, printed);
        const r = await read(venue, venue.spec(server));
        await until(() => server.subscribed() === 1, 5000, "the subscription");
        venue.send(server, printed.slice(0, 50));
        server.broadcast("{not json");
        server.broadcast(venue.unknown.frame);
        venue.send(server, printed.slice(50));
        await until(() => r.ticks().length === printed.length, 10_000, "every trade");
        await r.stop();
        expectEveryTradeOnce(venue, r.ticks(), printed);
        expect(r.items.flatMap((i) => (i.kind === "rejected" ? [i.reason] : []))).toEqual(venue.unknown.rejected);
      });
    });
  }
}
