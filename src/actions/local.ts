/** What `stockpipe local …` does, on top of src/local/stack.ts. */
import { createReadStream, existsSync, statSync, watch } from "node:fs";
import { RuntimeError, UsageError } from "../errors";
import type { CommandContext } from "../commands/context";
import { readLocalCredentials } from "../local/credentials";
import { tailFile } from "../local/process";
import { context, down, findService, status, up, type ServiceName, type ServiceStatus } from "../local/stack";
import { log } from "../ui/log";
import { printRows, type Column } from "../ui/output";
import { spinner } from "../ui/spinner";

const STATUS_COLUMNS: Column[] = [
  { key: "service" },
  { key: "state" },
  { key: "endpoint" },
  { key: "pid", align: "right" },
  { key: "version" },
];

export async function localUp(ctx: CommandContext, only: string[]): Promise<void> {
  const names = (only.length ? only : undefined) as ServiceName[] | undefined;
  const lines = new Map<string, string>();
  const p = spinner("starting the local stack");
  const results = await up(ctx.config, {
    progress(service, message) {
      lines.set(service, message);
      p.text(`local stack: ${[...lines].map(([s, m]) => `${s} ${m}`).join(" · ")}`);
      if (!process.stderr.isTTY) log.debug(`${service}: ${message}`);
    },
  }, names).catch((err) => {
    p.fail("the local stack did not start");
    throw err;
  });
  p.succeed(`local stack ready in ${Math.max(...results.map((r) => r.seconds ?? 0))}s (${results.map((r) => `${r.service} ${r.action}`).join(", ")})`);
  printRows(results as unknown as Record<string, unknown>[], [...STATUS_COLUMNS, { key: "action" }, { key: "seconds", align: "right" }], ctx.format);
}

export async function localStatus(ctx: CommandContext): Promise<void> {
  const rows = await status(ctx.config);
  printRows(rows as unknown as Record<string, unknown>[], [...STATUS_COLUMNS, { key: "log" }], ctx.format);
  const down = rows.filter((r: ServiceStatus) => r.state !== "running");
  if (down.length > 0) {
    throw new RuntimeError(`${down.map((r) => `${r.service} is ${r.state}`).join(", ")}`, { hint: "run `stockpipe local up`" });
  }
}

export async function localDown(ctx: CommandContext, only: string[], purge: boolean): Promise<void> {
  const names = (only.length ? only : undefined) as ServiceName[] | undefined;
  const p = spinner(purge ? "stopping the local stack and deleting its data" : "stopping the local stack");
  const results = await down(ctx.config, { purge, only: names });
  p.succeed(results.map((r) => `${r.service} ${r.result}${r.pid ? ` (pid ${r.pid})` : ""}`).join(", ") + (purge ? "; data deleted" : ""));
}

export async function localLogs(ctx: CommandContext, name: string, linesArg: string, follow: boolean): Promise<void> {
  const lines = Number(linesArg);
  if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, not "${linesArg}"`);
  const service = findService(name);
  const file = context(ctx.config, service).dirs.log;
  if (!existsSync(file)) throw new RuntimeError(`${name} has no log yet at ${file}`, { hint: "run `stockpipe local up` first" });
  for (const l of tailFile(file, lines)) process.stdout.write(l + "\n");
  if (!follow) return;
  let offset = statSync(file).size;
  await new Promise<void>(() => {
    watch(file, () => {
      const size = statSync(file).size;
      if (size <= offset) return;
      createReadStream(file, { start: offset, end: size - 1 }).pipe(process.stdout, { end: false });
      offset = size;
    });
  });
}

export function localEnv(ctx: CommandContext): void {
  const c = ctx.config.local;
  const creds = readLocalCredentials(c.dir);
  const lines = [
    `export STOCKPIPE_KAFKA_BROKERS=127.0.0.1:${c.kafkaPort}`,
    `export STOCKPIPE_CASSANDRA_CONTACT_POINTS=127.0.0.1:${c.cassandraPort}`,
    `export STOCKPIPE_CASSANDRA_LOCAL_DATA_CENTER=datacenter1`,
    `export STOCKPIPE_S3_ENDPOINT=http://127.0.0.1:${c.s3Port}`,
    `export STOCKPIPE_S3_BUCKET=${ctx.config.s3.bucket}`,
    `export STOCKPIPE_S3_FORCE_PATH_STYLE=true`,
  ];
  if (creds) {
    lines.push(`export STOCKPIPE_S3_ACCESS_KEY_ID=${creds.accessKeyId}`, `export STOCKPIPE_S3_SECRET_ACCESS_KEY=${creds.secretAccessKey}`);
  } else {
    log.warn("the local S3 credentials do not exist yet: run `stockpipe local up` first");
  }
  process.stdout.write(lines.join("\n") + "\n");
}
