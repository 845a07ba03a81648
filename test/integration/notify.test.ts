/**
 * `stockpipe notify` against the real local Kafka and a local server standing in for Slack, Teams, Discord and a
 * generic webhook: each destination gets exactly the alerts its routes select, in its own format (checked field
 * by field against the alerts read from the topic); grouping and the cool-down; 429 with Retry-After, a 500 for a
 * while, a 404 to the dead-letter queue and back with `dlq replay`; signatures; crashes; `notify test`.
 */
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Alert, alertId } from "../../src/model/alert";
import { start } from "../faults/processes";
import { until } from "../feeds/servers";
import { stockpipe, uniqueName } from "../helpers";
import { HookServer } from "../notify/servers";
import { startSmtp } from "../notify/smtp";
import { readTopic } from "../oracle";

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.NOTHING });
const producer = kafka.producer();
const topics: string[] = [];
let hooks: HookServer;
const SECRET = "whsec-test-secret";

beforeAll(async () => {
  await producer.connect();
  hooks = await HookServer.start();
});
afterAll(async () => {
  await producer.disconnect();
  await hooks.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
});

function alert(symbol: string, rule: string, severity: Alert["severity"], value: number, ts: string): Alert {
  const threshold = rule === "zScore" ? 3 : rule === "volumeSpike" ? 5 : 2;
  return { symbol, ts, rule, severity, value, threshold, message: `${symbol} ${rule} ${value}`, id: alertId(rule, symbol, ts) };
}

/** A tick topic and its alerts topic (2 partitions), with `alerts` on it as analyze writes them. */
async function alertsTopic(alerts: Alert[]): Promise<{ topic: string; alerts: string }> {
  const topic = uniqueName("test-notify");
  const name = `${topic}.alerts`;
  const r = await stockpipe(["topic", "create", name, "-p", "2"]);
  expect(r.code, r.stderr).toBe(0);
  topics.push(name, `${name}.dlq`);
  await send(name, alerts);
  return { topic, alerts: name };
}

async function send(topic: string, alerts: Alert[]): Promise<void> {
  if (alerts.length)
    await producer.send({
      topic,
      messages: alerts.map((a) => ({ key: a.symbol, value: JSON.stringify(a), headers: { schema: "alert.v1" } })),
    });
}

/** A config file with these destinations (each a path on the local server) and routes. */
function config(path: string, notify: Record<string, unknown>, destinations: Record<string, Record<string, unknown>>): string {
  const file = join(mkdtempSync(join(tmpdir(), "sp-notify-")), "stockpipe.json");
  const withUrls = Object.fromEntries(Object.entries(destinations).map(([name, d]) => [name, { url: hooks.url(`${path}/${name}`), ...d }]));
  writeFileSync(
    file,
    JSON.stringify({
      market: { timeZone: "America/New_York" },
      dashboard: { url: "https://desk.example/board" },
      notify: { destinations: withUrls, ...notify },
    }),
  );
  return file;
}

const verify = (raw: string, header: string, secret: string) => {
  const [t, v1] = header.split(",").map((p) => p.split("=")[1]);
  return createHmac("sha256", secret).update(`${t}.${raw}`).digest("hex") === v1;
};

describe("stockpipe notify", () => {
  it("gives each destination exactly the alerts its routes select, each in its own format, signed where a secret is set", async () => {
    const list = [
      alert("AAPL", "priceMove", "warning", 4.2, "2024-01-02T14:31:07.000Z"),
      alert("MSFT", "zScore", "critical", -5.1, "2024-01-02T14:32:00.000Z"),
      alert("BTC-USD", "volumeSpike", "info", 7.25, "2024-01-02T14:33:00.500Z"),
      alert("HSI", "openingGap", "warning", -2.5, "2024-01-02T01:30:00.000Z"),
      alert("TSLA", "priceMove", "info", 2.1, "2024-01-02T14:34:00.000Z"),
    ];
    const { topic, alerts: name } = await alertsTopic(list);
    const p = `/${topic}`;
    const file = config(
      p,
      {
        groupWindowMs: 0,
        cooldownMs: 0,
        routes: [
          { severities: ["warning", "critical"], symbols: ["AAPL", "MSFT"], to: ["slack"] },
          { rules: ["openingGap"], to: ["teams"] },
          { symbols: ["BTC-*"], to: ["discord"] },
          { to: ["hook"] },
        ],
      },
      {
        slack: { kind: "slack" },
        teams: { kind: "teams" },
        discord: { kind: "discord" },
        hook: { kind: "webhook", url: undefined, urlEnv: "HOOK_URL", secretEnv: "HOOK_SECRET" },
      },
    );
    const env = { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic, HOOK_URL: hooks.url(`${p}/hook`), HOOK_SECRET: SECRET };
    const r = await stockpipe(["notify", "--exit-at-end", "-g", uniqueName("notify"), "--from", "earliest", "-f", "json"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ alerts: 5, unrouted: 0, delivered: 9, messages: 9, failed: 0, dlq: 0 });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain(`${p}/hook`);

    // What the topic holds is what the destinations got.
    const inTopic = (await readTopic(kafka, name)).map(({ message }) => JSON.parse(message.value!.toString()) as Alert);
    const byId = new Map(inTopic.map((a) => [a.id, a]));
    const hook = hooks.delivered(`${p}/hook`);
    expect(hook.map((h) => (h.body as { alerts: Alert[] }).alerts[0]!).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
    );
    for (const h of hook) {
      const a = (h.body as { alerts: Alert[] }).alerts[0]!;
      expect(h.body).toEqual({ type: "stockpipe.alerts", key: a.id, destination: "hook", count: 1, suppressed: 0, alerts: [a] });
      expect(h.headers["idempotency-key"]).toBe(a.id);
      expect(verify(h.raw, String(h.headers["stockpipe-signature"]), SECRET)).toBe(true);
      expect(verify(h.raw, String(h.headers["stockpipe-signature"]), "another secret")).toBe(false);
    }

    const slack = hooks
      .delivered(`${p}/slack`)
      .map((h) => h.body as { text: string; blocks: { text?: { text: string }; elements?: { url: string }[] }[] });
    expect(slack.map((s) => s.text).sort()).toEqual(["⚠️ AAPL priceMove +4.20%", "🚨 MSFT zScore z -5.1"]);
    const aapl = slack.find((s) => s.text.includes("AAPL"))!;
    expect(aapl.blocks[0]!.text!.text).toBe("*⚠️ AAPL priceMove +4.20%*\nAAPL priceMove 4.2\n2024-01-02 09:31:07 EST · warning");
    expect(aapl.blocks[1]!.elements![0]!.url).toBe("https://desk.example/board/#symbol=AAPL");

    const teams = hooks
      .delivered(`${p}/teams`)
      .map((h) => h.body as { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] });
    expect(teams).toHaveLength(1);
    expect(teams[0]!.type).toBe("message");
    expect(teams[0]!.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = teams[0]!.attachments[0]!.content as {
      type: string;
      version: string;
      body: { text: string }[];
      actions: { url: string }[];
    };
    expect(card.type).toBe("AdaptiveCard");
    expect(card.body.map((b) => b.text)).toEqual(["⚠️ HSI openingGap -2.50%", "HSI openingGap -2.5", "2024-01-01 20:30:00 EST · warning"]);
    expect(card.actions[0]!.url).toBe("https://desk.example/board/#symbol=HSI");

    const discord = hooks.delivered(`${p}/discord`).map((h) => h.body as { content: string; embeds: Record<string, unknown>[] });
    expect(discord).toEqual([
      {
        content: "ℹ️ BTC-USD volumeSpike 7.3× volume",
        embeds: [
          {
            title: "ℹ️ BTC-USD volumeSpike 7.3× volume",
            description: "BTC-USD volumeSpike 7.25\n2024-01-02 09:33:00 EST · info",
            color: 0x3b82f6,
            timestamp: "2024-01-02T14:33:00.500Z",
            url: "https://desk.example/board/#symbol=BTC-USD",
          },
        ],
        allowed_mentions: { parse: [] },
      },
    ]);
  });

  it("groups a burst into one message per destination, leaves repeats out in the cool-down, and sends nothing for no alerts", async () => {
    const day = (d: number) => `2024-01-${String(d).padStart(2, "0")}T14:30:00.000Z`;
    // Twelve opening gaps (a year's history replayed in a second), and the same rule and symbol three more times
    // within five minutes of each other.
    const burst = Array.from({ length: 12 }, (_, i) => alert(`S${i}`, "openingGap", "warning", 2 + i / 10, day(i + 2)));
    const repeats = [0, 60_000, 120_000, 180_000].map((ms) =>
      alert("AAPL", "priceMove", "warning", 3, new Date(Date.parse(day(20)) + ms).toISOString()),
    );
    const { topic } = await alertsTopic([...burst, ...repeats]);
    const p = `/${topic}`;
    const file = config(
      p,
      { groupWindowMs: 1500, cooldownMs: 300_000, routes: [{ to: ["hook", "teams"] }] },
      { hook: { kind: "webhook" }, teams: { kind: "teams" } },
    );
    const r = await stockpipe(["notify", "--exit-at-end", "-g", uniqueName("notify"), "--from", "earliest", "-f", "json"], {
      env: { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic },
    });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    // 13 alerts each to two destinations; 3 repeats left out at each.
    expect(summary).toMatchObject({ alerts: 16, suppressed: 6, delivered: 26, failed: 0 });
    const hook = hooks.delivered(`${p}/hook`).map((h) => h.body as { key: string; count: number; suppressed: number; alerts: Alert[] });
    expect(hook.reduce((n, h) => n + h.count, 0)).toBe(13);
    expect(hook.length).toBeLessThanOrEqual(2);
    expect(hook.flatMap((h) => h.alerts.map((a) => a.id)).sort()).toEqual([...burst, repeats[0]!].map((a) => a.id).sort());
    expect(hook.reduce((n, h) => n + h.suppressed, 0)).toBe(3);
    const teams = hooks
      .delivered(`${p}/teams`)
      .map((h) => (h.body as { attachments: { content: { body: { text: string }[] } }[] }).attachments[0]!.content.body[0]!.text);
    expect(teams.some((t) => /^⚠️ 1[23] (openingGap )?alerts.*largest: S11 \+3\.10%/.test(t))).toBe(true);

    // No alerts: nothing is sent.
    const empty = await alertsTopic([]);
    const before = hooks.received.length;
    const quiet = await stockpipe(["notify", "--exit-at-end", "-g", uniqueName("notify"), "--from", "earliest", "-f", "json"], {
      env: { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: empty.topic },
    });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(JSON.parse(quiet.stdout)).toMatchObject({ alerts: 0, messages: 0 });
    expect(hooks.received.length).toBe(before);
  });

  it("waits out a 429's Retry-After, rides out a minute of 500s, dead-letters a 404 — and dlq replay sends it to that destination alone", async () => {
    const list = [
      alert("AAPL", "priceMove", "warning", 4, "2024-01-02T14:31:00.000Z"),
      alert("MSFT", "priceMove", "critical", -6, "2024-01-02T14:32:00.000Z"),
    ];
    const { topic, alerts: name } = await alertsTopic(list);
    const p = `/${topic}`;
    hooks.script(`${p}/limited`, { status: 429, headers: { "retry-after": "1" }, body: "rate_limited" });
    hooks.always(`${p}/down`, { status: 500, body: "upstream down" });
    hooks.always(`${p}/gone`, { status: 404, body: "no_service" });
    const file = config(
      p,
      { groupWindowMs: 0, cooldownMs: 0, retryForMs: 300_000, routes: [{ to: ["limited", "down", "gone", "fine"] }] },
      { limited: { kind: "slack" }, down: { kind: "discord" }, gone: { kind: "slack" }, fine: { kind: "webhook" } },
    );
    const env = { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic };
    const group = uniqueName("notify");
    const run = start(["notify", "--exit-at-end", "-g", group, "--from", "earliest", "-f", "json"], env);
    // The others are not held up by the one that is down.
    await until(
      () => hooks.delivered(`${p}/fine`).length === 2 && hooks.delivered(`${p}/limited`).length === 2,
      20_000,
      "the working destinations",
    );
    expect(hooks.delivered(`${p}/down`)).toHaveLength(0);
    const limited = hooks.at(`${p}/limited`);
    expect(limited[0]!.status).toBe(429);
    expect(limited[1]!.at - limited[0]!.at).toBeGreaterThanOrEqual(950);
    // The down one answers 500 for a minute, then recovers: everything it missed arrives, once each.
    const downSince = hooks.at(`${p}/down`)[0]!.at;
    await new Promise((r) => setTimeout(r, Math.max(0, downSince + 60_000 - Date.now())));
    expect(hooks.at(`${p}/down`).length).toBeGreaterThan(2);
    hooks.always(`${p}/down`, undefined);
    expect(await run.done, run.err()).toBe(0);
    const summary = JSON.parse(run.out());
    expect(summary).toMatchObject({ alerts: 2, delivered: 6, failed: 2, dlq: 2 });
    expect(summary.byDestination.down.retries).toBeGreaterThan(0);
    const once = (path: string) =>
      hooks
        .delivered(path)
        .map((h) => String(h.headers["idempotency-key"]))
        .sort();
    for (const d of ["limited", "down", "fine"]) expect(once(`${p}/${d}`), d).toEqual(list.map((a) => a.id).sort());
    expect(hooks.at(`${p}/gone`)).toHaveLength(2);

    const dead = await readTopic(kafka, `${name}.dlq`);
    expect(
      dead.map(({ message }) => [message.headers!["dlq-reason"]!.toString(), message.headers!["notify-destination"]!.toString()]),
    ).toEqual([
      ["undeliverable", "gone"],
      ["undeliverable", "gone"],
    ]);
    expect(String(dead[0]!.message.headers!["dlq-detail"])).toContain("gone refused it: HTTP 404 Not Found: no_service");
    const shown = await stockpipe(["dlq", name, "-f", "json"], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("undeliverable");

    // The route is fixed; the letters go back and reach "gone" alone.
    hooks.always(`${p}/gone`, undefined);
    const replay = await stockpipe(["dlq", "replay", name], { env });
    expect(replay.code, replay.stderr).toBe(0);
    const counts = ["limited", "down", "fine"].map((d) => hooks.delivered(`${p}/${d}`).length);
    const again = await stockpipe(["notify", "--exit-at-end", "-g", group, "-f", "json"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alerts: 2, delivered: 2, failed: 0 });
    expect(once(`${p}/gone`)).toEqual(list.map((a) => a.id).sort());
    expect(["limited", "down", "fine"].map((d) => hooks.delivered(`${p}/${d}`).length)).toEqual(counts);
  });

  it("delivers every alert at least once across SIGKILLs, a repeat with the same idempotency key", async () => {
    const list = Array.from({ length: 1000 }, (_, i) =>
      alert(`SYM${i % 40}`, "zScore", "warning", 3.5, new Date(Date.UTC(2024, 0, 2, 14, 30) + i * 1000).toISOString()),
    );
    const { topic } = await alertsTopic([]);
    const p = `/${topic}`;
    const file = config(p, { groupWindowMs: 0, cooldownMs: 0, routes: [{ to: ["hook"] }] }, { hook: { kind: "webhook" } });
    const env = { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic };
    const group = uniqueName("notify");
    // A webhook that takes 5 ms an alert: the 1,000 take seconds, and the kills land mid-stream.
    hooks.always(`${p}/hook`, { status: 200, delayMs: 5 });
    const feeding = (async () => {
      for (let i = 0; i < list.length; i += 20) {
        await send(`${topic}.alerts`, list.slice(i, i + 20));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const distinct = () => new Set(hooks.delivered(`${p}/hook`).map((h) => String(h.headers["idempotency-key"]))).size;
    for (let kill = 0; kill < 3; kill++) {
      const run = start(["notify", "-g", group, "--from", "earliest"], env);
      const seen = hooks.delivered(`${p}/hook`).length;
      await until(() => hooks.delivered(`${p}/hook`).length > seen + 40 || distinct() === list.length, 60_000, "deliveries");
      run.child.kill("SIGKILL");
      await run.done;
    }
    await feeding;
    const last = await stockpipe(["notify", "--exit-at-end", "-g", group, "-f", "json"], { env });
    expect(last.code, last.stderr).toBe(0);
    const keys = hooks.delivered(`${p}/hook`).map((h) => String(h.headers["idempotency-key"]));
    const ids = hooks.delivered(`${p}/hook`).map((h) => (h.body as { alerts: Alert[] }).alerts[0]!.id);
    expect(keys).toEqual(ids);
    expect(new Set(keys)).toEqual(new Set(list.map((a) => a.id)));
    const duplicates = keys.length - new Set(keys).size;
    process.stderr.write(`notify across 3 SIGKILLs: ${keys.length} deliveries of ${list.length} alerts, ${duplicates} repeats\n`);
  });

  it("e-mails alerts over STARTTLS with a password, one message per group; a wrong password is one line", async () => {
    const smtp = await startSmtp("alerts@desk.example", "mail-password");
    try {
      const list = [
        alert("AAPL", "priceMove", "critical", 5.5, "2024-01-02T14:31:07.000Z"),
        alert("MSFT", "priceMove", "warning", -3.2, "2024-01-02T14:31:09.000Z"),
      ];
      const { topic } = await alertsTopic(list);
      const mail = {
        kind: "email",
        url: undefined,
        host: "127.0.0.1",
        port: smtp.port,
        user: "alerts@desk.example",
        passwordEnv: "SMTP_PASSWORD",
        from: "stockpipe@desk.example",
        to: ["desk@desk.example", "risk@desk.example"],
        caFile: smtp.ca,
      };
      const file = config(`/${topic}`, { groupWindowMs: 0, cooldownMs: 0, routes: [{ to: ["mail"] }] }, { mail });
      const env = { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic, SMTP_PASSWORD: "mail-password" };
      const r = await stockpipe(["notify", "--exit-at-end", "-g", uniqueName("notify"), "--from", "earliest", "-f", "json"], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ alerts: 2, delivered: 2, messages: 2, failed: 0 });
      expect(r.stdout + r.stderr).not.toContain("mail-password");
      expect(smtp.mails).toHaveLength(2);
      for (const m of smtp.mails) {
        expect(m).toMatchObject({
          from: "stockpipe@desk.example",
          to: ["desk@desk.example", "risk@desk.example"],
          secure: true,
          user: "alerts@desk.example",
        });
      }
      const aapl = smtp.mails.find((m) => m.subject.includes("AAPL"))!;
      expect(aapl.subject).toBe("🚨 AAPL priceMove +5.50%");
      expect(aapl.text).toBe(
        "AAPL priceMove 5.5\n2024-01-02 09:31:07 EST · critical\n\nChart: https://desk.example/board/#symbol=AAPL\n\n— stockpipe notify",
      );
      expect(aapl.headers["idempotency-key"]).toBe(list[0]!.id);
      expect(aapl.headers["message-id"]).toBe(`<${list[0]!.id}@stockpipe.notify>`);

      const wrong = await stockpipe(["notify", "test", "mail"], { env: { ...env, SMTP_PASSWORD: "not-it" } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(
        `email destination mail at smtp://127.0.0.1:${smtp.port}: mail refused it: SMTP authentication failed`,
      );
      expect(wrong.stderr).toContain("check the user and the password in SMTP_PASSWORD");
      expect(wrong.stderr).not.toContain("not-it");
    } finally {
      await smtp.close();
    }
  });

  it("notify test sends a sample to one destination, and says in one line why one does not take it", async () => {
    const p = `/${uniqueName("notify-test")}`;
    hooks.always(`${p}/broken`, { status: 403, body: "invalid_token" });
    const file = config(p, { routes: [] }, { desk: { kind: "slack" }, broken: { kind: "discord" } });
    const ok = await stockpipe(["notify", "test", "desk", "-f", "json"], { env: { STOCKPIPE_CONFIG: file } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ destination: "desk", kind: "slack", delivered: true });
    expect((hooks.delivered(`${p}/desk`)[0]!.body as { text: string }).text).toBe("ℹ️ TEST priceMove +3.14%");
    const bad = await stockpipe(["notify", "test", "broken"], { env: { STOCKPIPE_CONFIG: file } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error: discord destination broken at http://127.0.0.1:");
    expect(bad.stderr).toContain("broken refused it: HTTP 403 Forbidden: invalid_token");
    expect(bad.stderr).not.toContain(`${p}/broken`);
    const unknown = await stockpipe(["notify", "test", "nowhere"], { env: { STOCKPIPE_CONFIG: file } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no destination nowhere in notify.destinations");
  });

  it("refuses a topic of another record kind instead of dead-lettering it, naming the topic it probably meant", async () => {
    const { topic, alerts: name } = await alertsTopic([alert("AAPL", "priceMove", "warning", 4.2, "2024-01-02T14:31:07.000Z")]);
    expect((await stockpipe(["topic", "create", topic, "-p", "2"])).code).toBe(0);
    topics.push(topic, `${topic}.dlq`, `${topic}.notify-status`, `${name}.notify-status`);
    const sent = await stockpipe([
      "produce",
      "--source",
      "synthetic",
      "--symbols",
      "AAPL,MSFT",
      "--seed",
      "3",
      "--limit",
      "40",
      "--topic",
      topic,
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    const file = config(`/${topic}`, { routes: [{ to: ["hook"] }] }, { hook: { kind: "webhook" } });
    const env = { STOCKPIPE_CONFIG: file, STOCKPIPE_KAFKA_TOPIC: topic };

    const r = await stockpipe(["notify", "--topic", topic, "--exit-at-end", "-g", uniqueName("notify"), "--from", "earliest"], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `notify reads alert.v1 records, but topic ${topic} holds tick.v1 (its latest record in each partition); nothing was read — did you mean topic ${name}?`,
    );
    // Nothing was made or dead-lettered on the way.
    const admin = kafka.admin();
    await admin.connect();
    const existing = await admin.listTopics();
    await admin.disconnect();
    expect(existing.filter((t) => t.startsWith(topic))).toEqual(expect.arrayContaining([topic, name]));
    expect(existing).not.toContain(`${topic}.dlq`);
    expect(existing).not.toContain(`${topic}.notify-status`);

    // analyze the other way round: pointed at the alerts, it names the tick topic.
    const a = await stockpipe(["analyze", "--topic", name, "--exit-at-end", "-g", uniqueName("analyze"), "--from", "earliest"], { env });
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toContain(`analyze reads tick.v1 records, but topic ${name} holds alert.v1`);
    expect(a.stderr).toContain(`did you mean topic ${topic}?`);
  });
});
