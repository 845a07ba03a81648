/** `stockpipe notify`: alerts to Slack, Teams, Discord and webhooks, by the config's routes; `notify test` sends a sample. */
import type { Command } from "commander";
import { ConfigError, InterruptedError, RuntimeError, UsageError } from "../errors";
import { chalk, log } from "../log";
import type { NotifyResult } from "../pipeline/notify/notify";
import { plural } from "../ui/output";
import { formatElapsed } from "../ui/status";
import { peakRssMb } from "./common";
import { type CommandContext, commandContext, flag } from "./context";
import { configFieldName, withFlagNames } from "./fields";
import { longRunning } from "./longRunning";
import { examples, formatOption } from "./options";

interface NotifyFlags {
  topic?: string;
  reset: boolean;
  exitAtEnd: boolean;
  metricsPort?: string;
}

export function registerNotify(program: Command): void {
  const cmd = program
    .command("notify")
    .description(
      "deliver alerts (<topic>.alerts) to Slack, Microsoft Teams, Discord, signed webhooks and e-mail, as the config's routes say",
    )
    .option("-g, --group <group>", "consumer group (default: notify.group)")
    .option("--topic <topic>", "the alerts topic (default: analytics.alertsTopic of kafka.topic)")
    .option("--from <where>", "earliest, latest or an ISO time: where a group without offsets starts (default: consumer.from)")
    .option("--reset", "move the group to --from even if it has committed offsets")
    .option("--exit-at-end", "stop once every alert read so far is delivered, for scripts and tests")
    .option("--group-window <ms>", "alerts for one destination within this many ms go out as one message (notify.groupWindowMs)")
    .option("--metrics-port <[host:]port>", "serve Prometheus metrics at http://host:port/metrics while running")
    .addOption(formatOption())
    .addHelpText(
      "after",
      `${examples("stockpipe notify", "stockpipe notify --from latest", "stockpipe notify test desk-slack")}
Destinations and routes live in the config (notify.destinations, notify.routes); webhook addresses and secrets
come from the environment variables they name. Offsets are committed once every alert before them is delivered
or, when a destination refuses it or keeps failing past notify.retryForMs, dead-lettered to <alerts topic>.dlq
(\`stockpipe dlq replay <alerts topic>\` sends those to that destination again). At least once: a restart
delivers again what was in flight, with the same idempotency key.
`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>, c: Command) => {
      const ctx = commandContext(c, [
        ...flag("notify.group", opts.group, "--group"),
        ...flag("consumer.from", opts.from, "--from"),
        ...flag("notify.groupWindowMs", opts.groupWindow, "--group-window"),
      ]);
      await notifyCommand(ctx, {
        topic: opts.topic as string | undefined,
        reset: Boolean(opts.reset),
        exitAtEnd: Boolean(opts.exitAtEnd),
        metricsPort: opts.metricsPort as string | undefined,
      });
    });
  cmd
    .command("test")
    .description("send one sample alert to a destination, to check it before the market opens")
    .argument("<destination>", "a name from notify.destinations")
    .addOption(formatOption())
    .addHelpText("after", examples("stockpipe notify test desk-slack"))
    .action(async (name: string, _opts: unknown, c: Command) => {
      await notifyTest(commandContext(c), name);
    });
}

async function setup(ctx: CommandContext) {
  const { resolveDestinations } = await import("../notify/registry");
  const { compileRoutes } = await import("../notify/routes");
  const { CalendarBook } = await import("../model/calendar");
  const n = ctx.config.notify;
  const destinations = resolveDestinations(n.destinations);
  const calendars = CalendarBook.forMarket(ctx.config.market);
  return {
    destinations,
    routes: compileRoutes(n.routes),
    partOf: (a: { symbol: string; ts: string }) => calendars.of(a.symbol).partAt(Date.parse(a.ts)),
    context: { timeZone: ctx.config.market.timeZone, dashboardUrl: ctx.config.dashboard.url },
  };
}

async function notifyCommand(ctx: CommandContext, f: NotifyFlags): Promise<void> {
  const { notify } = await import("../pipeline/notify/notify");
  const { groupReadSettings } = await import("../pipeline/group/options");
  const { parseFrom } = await import("../pipeline/group/position");
  const c = ctx.config;
  await withFlagNames({ from: configFieldName(ctx, "consumer.from") }, () => parseFrom(c.consumer.from));
  const { destinations, routes, partOf, context } = await setup(ctx);
  if (destinations.length === 0)
    throw new ConfigError("no destinations: notify.destinations in the config names none", [], {
      hint: "add one, e.g. notify: { destinations: { desk: { kind: slack, urlEnv: SLACK_WEBHOOK_URL } }, routes: [{ to: [desk] }] }",
    });
  if (routes.length === 0) log.warn("notify.routes is empty: no alert goes anywhere (a route without selectors takes every alert)");
  const { outputTopics } = await import("../pipeline/analyze/settings");
  // The alerts topic of the tick topic, as analyze names it.
  const topic = f.topic ?? outputTopics(c, c.kafka.topic, []).alerts;
  const group = c.notify.group;
  const started = performance.now();
  let progress = { alerts: 0, delivered: 0, messages: 0, suppressed: 0, failed: 0 };
  const result: NotifyResult = await longRunning(
    {
      command: "notify",
      metricsPort: f.metricsPort,
      connecting: "connecting to Kafka",
      onSecondInterrupt: () => "interrupted twice: exiting now; alerts not yet delivered are delivered on the next start",
      idle: `no alerts in ${topic} for group ${group}`,
    },
    (run) => {
      const live = () =>
        run.live(`delivering ${topic} as group ${group} to ${destinations.map((d) => `${d.name} (${d.kind})`).join(", ")}`, () => {
          const n = (x: number) => x.toLocaleString("en-US");
          return `alerts ${n(progress.alerts)} · delivered ${n(progress.delivered)} in ${n(progress.messages)} messages · left out ${n(progress.suppressed)} · failed ${n(progress.failed)} · ${formatElapsed(performance.now() - started)}`;
        });
      return notify(
        ctx.loaded,
        {
          ...groupReadSettings(c),
          topic,
          group,
          reset: f.reset,
          exitAtEnd: f.exitAtEnd,
          signal: run.signal,
          destinations,
          routes,
          partOf,
          groupWindowMs: c.notify.groupWindowMs,
          cooldownMs: c.notify.cooldownMs,
          retryForMs: c.notify.retryForMs,
          context,
        },
        {
          onProgress(p) {
            progress = p;
            live();
          },
          onDelivered(name, alerts) {
            run.metrics?.notifyDelivered.inc({ destination: name }, alerts);
          },
          onRetry(name, reason, attempt, delayMs, giveUpInMs) {
            run.metrics?.retries.inc();
            run.warn(
              `${name} did not take the message`,
              new Error(reason),
              attempt,
              delayMs,
              `giving up in ${formatElapsed(Math.max(0, giveUpInMs))} (notify.retryForMs): its alerts then go to ${topic}.dlq`,
            );
          },
          onFailed(name, reason, alerts) {
            run.metrics?.notifyFailed.inc({ destination: name }, alerts);
            run.status?.print(chalk.yellow(`${alerts} alert${alerts === 1 ? "" : "s"} not delivered: ${reason} → ${topic}.dlq`));
          },
        },
      );
    },
  );
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  const summary = { topic, group, ...result, seconds, peakRssMb: peakRssMb() };
  if (ctx.format === "json") process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else printSummary(summary);
  if (result.stoppedBy === "interrupted")
    throw new InterruptedError("interrupted: alerts not yet delivered are delivered on the next start");
}

function printSummary(s: NotifyResult & { topic: string; seconds: number }): void {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `${chalk.green("✔")} read ${n(s.alerts)} alerts from ${s.topic} in ${s.seconds}s; stopped: ${s.stoppedBy}`,
    `  delivered ${n(s.delivered)} in ${plural(s.messages, "message")} (${n(s.grouped)} grouped); left out by the cool-down ${n(s.suppressed)}; no route ${n(s.unrouted)}; not delivered ${n(s.failed)} → ${s.topic}.dlq`,
    ...Object.entries(s.byDestination).map(
      ([name, d]) =>
        `  ${name}: ${plural(d.messages, "message")}, ${plural(d.alerts, "alert")}, ${n(d.suppressed)} left out, ${n(d.failed)} failed, ${n(d.retries)} retries${d.lastDelivery ? `, last ${d.lastDelivery}` : ""}`,
    ),
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
}

async function notifyTest(ctx: CommandContext, name: string): Promise<void> {
  const { destinations, context } = await setup(ctx);
  const d = destinations.find((x) => x.name === name);
  if (!d)
    throw new UsageError(`no destination ${name} in notify.destinations`, {
      hint: destinations.length ? `choose ${destinations.map((x) => x.name).join(", ")}` : "the config defines none",
    });
  const { sampleAlert } = await import("../notify/sample");
  const { deliver } = await import("../notify/deliver");
  const { closeMail } = await import("../notify/mail");
  const alert = sampleAlert(new Date());
  const started = performance.now();
  const r = await deliver(d.name, d.attempt({ destination: d.name, alerts: [alert], suppressed: 0, key: alert.id }, context), {
    retryForMs: 15_000,
  }).finally(closeMail);
  const ms = Math.round(performance.now() - started);
  if (!r.ok) throw new RuntimeError(`${d.kind} destination ${name} at ${d.shownUrl}: ${r.reason}`, { hint: deliveryHint(r.reason) });
  if (ctx.format === "json")
    process.stdout.write(`${JSON.stringify({ destination: name, kind: d.kind, delivered: true, attempts: r.attempts, ms, alert })}\n`);
  else log.success(`sent a sample ${alert.rule} alert for ${alert.symbol} to ${name} (${d.kind} at ${d.shownUrl}) in ${ms} ms`);
}

/** What to do about a delivery that failed, by what the other side said. */
export function deliveryHint(reason: string): string {
  const status = Number(/HTTP (\d{3})/.exec(reason)?.[1] ?? 0);
  if (status >= 500 || status === 429) return "the service is failing or busy on its side: try again later, or check its status page";
  if (status === 401 || status === 403) return "it refused the credentials: check the webhook's token or signing secret";
  if (status === 404 || status === 410)
    return "no such webhook there: check the address in its environment variable (it may have been revoked)";
  if (status >= 400) return "it refused the message: check the destination's kind and address";
  return "check the address in its environment variable, and that this host can reach it";
}
