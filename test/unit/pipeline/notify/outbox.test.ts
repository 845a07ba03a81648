import type { KafkaMessage } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Alert } from "../../../../src/model/alert";
import type { Delivery } from "../../../../src/notify/deliver";
import { webhook } from "../../../../src/notify/webhook";
import { type AlertRef, Outbox } from "../../../../src/pipeline/notify/outbox";
import { HookServer } from "../../../notify/servers";

let hooks: HookServer;
beforeAll(async () => {
  hooks = await HookServer.start();
});
afterAll(() => hooks.close());

const ref = (symbol: string, rule: string, ts: string, offset: number): AlertRef => ({
  alert: { symbol, rule, ts, severity: "warning", value: 3, threshold: 2, message: "", id: `${symbol}-${rule}-${ts}` } as Alert,
  partition: 0,
  offset: String(offset),
  message: {} as KafkaMessage,
});

function box(path: string, groupWindowMs: number, cooldownMs: number, sent: { refs: AlertRef[]; delivery: Delivery }[]) {
  return new Outbox(
    webhook.resolve("hook", { kind: "webhook", url: hooks.url(path) }, {}),
    { groupWindowMs, cooldownMs, retryForMs: 1000, context: { timeZone: "UTC" }, signal: new AbortController().signal },
    { sent: async (_b, refs, delivery) => void sent.push({ refs, delivery }) },
  );
}

describe("a destination's outbox", () => {
  it("leaves out a repeat of a rule and symbol within the cool-down by event time, and says how many in the next message", async () => {
    const sent: { refs: AlertRef[]; delivery: Delivery }[] = [];
    const b = box("/cool", 0, 60_000, sent);
    expect(b.add(ref("A", "priceMove", "2024-01-02T14:30:00.000Z", 1))).toBe(true);
    expect(b.add(ref("A", "priceMove", "2024-01-02T14:30:59.000Z", 2))).toBe(false);
    expect(b.add(ref("A", "zScore", "2024-01-02T14:30:59.000Z", 3))).toBe(true);
    expect(b.add(ref("B", "priceMove", "2024-01-02T14:30:59.000Z", 4))).toBe(true);
    expect(b.add(ref("A", "priceMove", "2024-01-02T14:31:00.000Z", 5))).toBe(true);
    await b.drained();
    expect(sent.map((s) => s.refs.map((r) => r.offset))).toEqual([["1"], ["3"], ["4"], ["5"]]);
    const bodies = hooks.at("/cool").map((h) => h.body as { suppressed: number });
    expect(bodies.map((x) => x.suppressed)).toEqual([0, 1, 0, 0]);
    expect(b.stats).toMatchObject({ messages: 4, alerts: 4, suppressed: 1, failed: 0 });
  });

  it("groups what arrives within the window into one message, in order, keyed by its alerts", async () => {
    const sent: { refs: AlertRef[]; delivery: Delivery }[] = [];
    const b = box("/group", 300, 0, sent);
    for (let i = 0; i < 5; i++) b.add(ref(`S${i}`, "openingGap", `2024-01-0${i + 2}T14:30:00.000Z`, i));
    await new Promise((r) => setTimeout(r, 600));
    b.add(ref("S9", "openingGap", "2024-01-09T14:30:00.000Z", 9));
    await b.drained();
    expect(sent.map((s) => s.refs.map((r) => r.offset))).toEqual([["0", "1", "2", "3", "4"], ["9"]]);
    const [first, second] = hooks.at("/group");
    expect((first!.body as { count: number }).count).toBe(5);
    expect(first!.headers["idempotency-key"]).not.toBe("S0-openingGap-2024-01-02T14:30:00.000Z");
    expect(second!.headers["idempotency-key"]).toBe("S9-openingGap-2024-01-09T14:30:00.000Z");
  });
});
