/** What the demo made, read back: its bars and alerts from Kafka, and its alerts delivered by notify to a local webhook. */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { LoadedConfig } from "../config/loader";
import { createKafka } from "../kafka/client";
import { readMessages } from "../kafka/reader";
import type { Alert } from "../model/alert";
import type { Bar } from "../model/bar";
import { compileRoutes } from "../notify/routes";
import { webhook } from "../notify/webhook";
import { analyticsSettings, outputTopics } from "./analyze/settings";
import { namesOf } from "./demo";
import { groupReadSettings } from "./group/options";
import { notify } from "./notify/notify";

/** The demo's bars of one interval and its alerts, as a read_committed reader sees them. */
export async function demoAnalytics(loaded: LoadedConfig, interval: string): Promise<{ bars: Bar[]; alerts: Alert[] }> {
  const kafka = createKafka(loaded.config, { retries: 2 });
  const topics = outputTopics(loaded.config, loaded.config.kafka.topic, analyticsSettings(loaded.config).intervals);
  const read = async <T>(topic: string | undefined): Promise<T[]> => {
    const out: T[] = [];
    if (!topic) return out;
    const signal = new AbortController().signal;
    for await (const batch of readMessages(kafka, { topic, from: "earliest", follow: false, signal }))
      for (const m of batch.messages) if (m.value) out.push(JSON.parse(m.value.toString()) as T);
    return out;
  };
  return { bars: await read<Bar>(topics.bars.get(interval)), alerts: await read<Alert>(topics.alerts) };
}

/** What the demo's notify step delivered to its local webhook. */
export interface DemoNotified {
  url: string;
  alerts: number;
  delivered: number;
  suppressed: number;
  /** The messages the webhook received: each a list of alerts, with how many repeats were left out before it. */
  messages: { alerts: Alert[]; suppressed: number }[];
}

/**
 * `notify` over the demo's alerts to a webhook the demo serves itself on 127.0.0.1: the same delivery, storm
 * control and commits as against Slack or a real endpoint, seen from the receiving side. Bursts (the HSI file's
 * opening gaps) go out grouped; repeats within the cool-down are left out.
 */
export async function notifyDemo(loaded: LoadedConfig, signal: AbortSignal): Promise<DemoNotified> {
  const messages: DemoNotified["messages"] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const body = JSON.parse(raw) as { alerts: Alert[]; suppressed: number };
      messages.push({ alerts: body.alerts, suppressed: body.suppressed });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  const config = loaded.config;
  try {
    const result = await notify(loaded, {
      ...groupReadSettings(config),
      topic: outputTopics(config, config.kafka.topic, []).alerts,
      group: namesOf(loaded).group("notify"),
      from: "earliest",
      reset: true,
      exitAtEnd: true,
      signal,
      destinations: [webhook.resolve("local-webhook", { kind: "webhook", url }, {})],
      routes: compileRoutes([{ to: ["local-webhook"] }]),
      groupWindowMs: 1000,
      cooldownMs: config.notify.cooldownMs,
      retryForMs: 30_000,
      context: { timeZone: config.market.timeZone, dashboardUrl: config.dashboard.url },
    });
    return { url, alerts: result.alerts, delivered: result.delivered, suppressed: result.suppressed, messages };
  } finally {
    server.close();
  }
}
