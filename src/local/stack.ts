/**
 * The local stack: Kafka, Cassandra and an S3 server as real processes on 127.0.0.1, their state, data and
 * logs under one folder per profile (`local.dir`, `local.dir`/secure, `local.dir`/cluster). The profile is
 * config.local.profile (`--profile`). `up` is idempotent; `down` stops only what the stack started.
 */
import { mkdirSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { ResolvedConfig } from "../config/schema";
import { errorMessage, RuntimeError } from "../errors";
import { resolveClasspath } from "./maven";
import { serviceDirs } from "./paths";
import { isAlive, portInUse, runningPid, startJava, stopPid, tailFile } from "./process";
import { PROFILE_NAMES, type ProfileName, type StackProfile, stackProfile } from "./profiles";
import { cassandraService } from "./services/cassandra";
import { kafkaService } from "./services/kafka";
import { s3Service } from "./services/s3";
import type { LocalService, ServiceContext } from "./services/types";

/** A service's name (kafka-2) or group (kafka: every broker). */
export type ServiceName = string;

/** The services of the config's profile (config.local.profile). */
export function servicesOf(profile: StackProfile): LocalService[] {
  return [...profile.kafka.nodes.map((n) => kafkaService(profile, n)), cassandraService(profile), s3Service(profile)];
}

function select(config: ResolvedConfig, only?: ServiceName[]): LocalService[] {
  const all = servicesOf(stackProfile(config));
  if (!only) return all;
  for (const name of only) {
    if (!all.some((s) => s.name === name || s.group === name)) {
      throw new RuntimeError(`the ${config.local.profile} profile has no service "${name}": it has ${all.map((s) => s.name).join(", ")}`);
    }
  }
  return all.filter((s) => only.includes(s.name) || only.includes(s.group));
}

export function findService(config: ResolvedConfig, name: string): LocalService {
  const [s] = select(config, [name]);
  return s!;
}

export function context(config: ResolvedConfig, service: LocalService): ServiceContext {
  const profile = stackProfile(config);
  return { config, profile, stackDir: profile.dir, dirs: serviceDirs(profile.dir, service.name) };
}

export interface ServiceStatus {
  /** The profile the service belongs to. */
  profile?: string;
  service: ServiceName;
  endpoint: string;
  security: string;
  state: "running" | "starting" | "stopped";
  pid?: number;
  version?: string;
  log: string;
  /** When `up` did something: started or already running. */
  action?: "started" | "already running";
  seconds?: number;
  /** What starting it did that its user should know (e.g. Kafka's data upgraded in place). */
  notes?: string[];
}

export async function statusOf(config: ResolvedConfig, service: LocalService): Promise<ServiceStatus> {
  const ctx = context(config, service);
  const pid = runningPid(service.name, ctx.dirs);
  const base = { service: service.name, endpoint: service.endpoint, security: service.security, log: ctx.dirs.log, pid };
  try {
    const version = await service.probe(ctx);
    return { ...base, state: "running", version };
  } catch {
    return { ...base, state: pid ? "starting" : "stopped" };
  }
}

export async function status(config: ResolvedConfig, only?: ServiceName[]): Promise<ServiceStatus[]> {
  return Promise.all(select(config, only).map(async (s) => ({ profile: config.local.profile, ...(await statusOf(config, s)) })));
}

/** The config with another local stack profile. */
export function withProfile(config: ResolvedConfig, profile: ProfileName): ResolvedConfig {
  return { ...config, local: { ...config.local, profile } };
}

/** Whether a service of the config's profile has its process running. */
export function profileRunning(config: ResolvedConfig): boolean {
  return servicesOf(stackProfile(config)).some((s) => runningPid(s.name, context(config, s).dirs) !== undefined);
}

/** The profiles other than the config's with a service whose process is running. */
export function otherRunningProfiles(config: ResolvedConfig): ProfileName[] {
  return PROFILE_NAMES.filter((name) => name !== config.local.profile && profileRunning(withProfile(config, name)));
}

/** The config profile's services, and the running services of every other profile. */
export async function statusAll(config: ResolvedConfig): Promise<ServiceStatus[]> {
  const rows = await status(config);
  for (const name of otherRunningProfiles(config)) {
    const other = withProfile(config, name);
    const running = servicesOf(stackProfile(other)).filter((s) => runningPid(s.name, context(other, s).dirs) !== undefined);
    rows.push(...(await Promise.all(running.map(async (s) => ({ profile: name, ...(await statusOf(other, s)) })))));
  }
  return rows;
}

export interface UpEvents {
  progress(service: ServiceName, message: string): void;
}

export async function up(config: ResolvedConfig, events: UpEvents, only?: ServiceName[]): Promise<ServiceStatus[]> {
  const services = select(config, only);
  mkdirSync(stackProfile(config).dir, { recursive: true });
  const results = await Promise.allSettled(services.map((s) => upOne(config, s, events)));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new RuntimeError(failures.map((f) => errorMessage(f)).join("; "));
  return results.map((r) => (r as PromiseFulfilledResult<ServiceStatus>).value);
}

async function upOne(config: ResolvedConfig, service: LocalService, events: UpEvents): Promise<ServiceStatus> {
  const started = Date.now();
  const ctx = context(config, service);
  const say = (m: string) => events.progress(service.name, m);
  const existing = runningPid(service.name, ctx.dirs);
  if (existing) {
    say("already started, waiting until it answers");
    const version = await waitReady(service, ctx, existing, say);
    await service.afterReady?.(ctx);
    return {
      service: service.name,
      endpoint: service.endpoint,
      security: service.security,
      state: "running",
      pid: existing,
      version,
      log: ctx.dirs.log,
      action: "already running",
      seconds: secondsSince(started),
    };
  }
  for (const { port, setting } of service.ports) {
    if (await portInUse(port)) {
      throw new RuntimeError(`${service.name}: port ${port} on 127.0.0.1 is already in use by a process this stack did not start`, {
        hint: `stop that process, or pick another port with ${setting} (see \`stockpipe config show\`)`,
      });
    }
  }
  say("resolving from Maven (the first run downloads)");
  const classpath = await resolveClasspath(service.module, ctx.dirs.classpathFile(service.module), (artifact) =>
    say(`downloading ${artifact}`),
  );
  say("preparing");
  const notes: string[] = [];
  await service.prepare(ctx, classpath, (note) => {
    notes.push(note);
    say(note);
  });
  say("starting");
  const pid = await startJava(service.name, ctx.dirs, service.javaArgs(ctx, classpath));
  const version = await waitReady(service, ctx, pid, say);
  await service.afterReady?.(ctx);
  return {
    service: service.name,
    endpoint: service.endpoint,
    security: service.security,
    state: "running",
    pid,
    version,
    log: ctx.dirs.log,
    action: "started",
    seconds: secondsSince(started),
    ...(notes.length ? { notes } : {}),
  };
}

async function waitReady(service: LocalService, ctx: ServiceContext, pid: number, say: (m: string) => void): Promise<string> {
  const deadline = Date.now() + service.startTimeoutMs;
  let lastError = "";
  for (let attempt = 1; ; attempt++) {
    try {
      return await service.probe(ctx);
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (!isAlive(pid)) {
      const tail = tailFile(ctx.dirs.log, 5).join("\n    ");
      throw new RuntimeError(`${service.name} exited while starting; the end of its log ${ctx.dirs.log}:\n    ${tail}`, {
        hint: `read ${ctx.dirs.log} for the cause`,
      });
    }
    if (Date.now() > deadline) {
      throw new RuntimeError(`${service.name} did not answer within ${service.startTimeoutMs / 1000}s (last error: ${lastError})`, {
        hint: `read ${ctx.dirs.log}; it is still running as pid ${pid} (\`stockpipe local down\` stops it)`,
        retriable: true,
      });
    }
    say(`waiting until it answers (${Math.round((Date.now() - deadline + service.startTimeoutMs) / 1000)}s)`);
    await sleep(Math.min(1000, 200 * attempt));
  }
}

export interface DownResult {
  service: ServiceName;
  result: "stopped" | "killed" | "not running";
  pid?: number;
}

export async function down(config: ResolvedConfig, options: { purge?: boolean; only?: ServiceName[] } = {}): Promise<DownResult[]> {
  const services = select(config, options.only);
  const results = await Promise.all(
    services.map(async (s): Promise<DownResult> => {
      const ctx = context(config, s);
      const pid = runningPid(s.name, ctx.dirs);
      if (!pid) return { service: s.name, result: "not running" };
      const result = await stopPid(pid, s.stopGraceMs);
      rmSync(ctx.dirs.pidFile, { force: true });
      return { service: s.name, result, pid };
    }),
  );
  if (options.purge) {
    for (const s of services) rmSync(context(config, s).dirs.data, { recursive: true, force: true });
  }
  return results;
}

function secondsSince(t: number): number {
  return Math.round((Date.now() - t) / 100) / 10;
}
