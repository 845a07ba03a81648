/**
 * `stockpipe local` lifecycle on a separate stack folder and port, so it never touches the shared stack the other
 * tests use: the S3 server is the quickest service to start, and exercises the same start/ready/stop code.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/local/process";
import { stockpipe } from "../helpers";

const dir = mkdtempSync(join(tmpdir(), "stockpipe-stack-"));
const port = 19_000 + Math.floor(Math.random() * 500);
const env = { STOCKPIPE_LOCAL_DIR: dir, STOCKPIPE_LOCAL_S3_PORT: String(port), STOCKPIPE_S3_ENDPOINT: `http://127.0.0.1:${port}` };

afterAll(async () => {
  await stockpipe(["local", "down", "s3", "--purge"], { env });
});

describe("stockpipe local (own folder and port)", () => {
  let pid = 0;

  it("starts a service and waits until it answers", async () => {
    const r = await stockpipe(["local", "up", "s3", "-f", "json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row).toMatchObject({ service: "s3", state: "running", endpoint: `http://127.0.0.1:${port}`, action: "started" });
    pid = row.pid;
    expect(isAlive(pid)).toBe(true);
    const creds = join(dir, "s3", "credentials.json");
    expect(statSync(creds).mode & 0o777).toBe(0o600);
  });

  it("is idempotent: a second up finds it running", async () => {
    const r = await stockpipe(["local", "up", "s3", "-f", "json"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ pid, action: "already running" });
  });

  it("prints env exports that reach it, with the generated credentials", async () => {
    const r = await stockpipe(["local", "env"], { env });
    const vars = Object.fromEntries(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.replace(/^export /, "").split("=") as [string, string]),
    );
    const creds = JSON.parse(readFileSync(join(dir, "s3", "credentials.json"), "utf8"));
    expect(vars.STOCKPIPE_S3_ENDPOINT).toBe(`http://127.0.0.1:${port}`);
    expect(vars.STOCKPIPE_S3_ACCESS_KEY_ID).toBe(creds.accessKeyId);
    expect(vars.STOCKPIPE_S3_SECRET_ACCESS_KEY).toBe(creds.secretAccessKey);
    // The exported credentials work; the default bucket exists.
    const doctor = await stockpipe(["doctor", "--skip", "kafka,cassandra", "-f", "json"], {
      env: { ...vars, STOCKPIPE_LOCAL_DIR: "/nonexistent" },
    });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(JSON.parse(doctor.stdout)[0]).toMatchObject({ check: "s3", status: "ok", version: "bucket stockpipe found" });
  });

  it("reports status as JSON, exit 0 only when every service answers", async () => {
    const r = await stockpipe(["local", "status", "-f", "json"], { env });
    const rows: { service: string; state: string }[] = JSON.parse(r.stdout);
    expect(rows.map((x) => x.service)).toEqual(["kafka", "cassandra", "s3"]);
    expect(rows.find((x) => x.service === "s3")).toMatchObject({ state: "running", pid });
    // Kafka and Cassandra on the default ports belong to the shared stack; status reports whether they answer.
    const allUp = rows.every((x) => x.state === "running");
    expect(r.code).toBe(allUp ? 0 : 1);
    const broken = await stockpipe(["local", "status"], { env: { ...env, STOCKPIPE_LOCAL_KAFKA_PORT: "1" } });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("kafka is stopped — run `stockpipe local up`");
  });

  it("prints a service's log", async () => {
    const r = await stockpipe(["local", "logs", "s3", "-n", "5"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").length).toBeLessThanOrEqual(5);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it("stops only what it started, and --purge deletes the data", async () => {
    const r = await stockpipe(["local", "down", "s3", "--purge"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`s3 stopped \\(pid ${pid}\\)`));
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dir, "s3", "data"))).toBe(false);
    const again = await stockpipe(["local", "down", "s3"], { env });
    expect(again.stderr).toContain("s3 not running");
  });

  it("refuses a port taken by another process, naming it", async () => {
    const server = createServer(() => {}).listen(port, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const r = await stockpipe(["local", "up", "s3"], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`s3: port ${port} on 127.0.0.1 is already in use by a process this stack did not start`);
    } finally {
      server.close();
    }
  });

  it("names the log when a service dies during start-up", async () => {
    const fakeJava = join(mkdtempSync(join(tmpdir(), "fake-java-")), "bin", "java");
    mkdirSync(dirname(fakeJava), { recursive: true });
    writeFileSync(fakeJava, "#!/bin/sh\necho 'Error: could not reserve enough space for object heap' >&2\nexit 1\n");
    chmodSync(fakeJava, 0o755);
    const r = await stockpipe(["local", "up", "s3"], { env: { ...env, JAVA_HOME: dirname(dirname(fakeJava)) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`s3 exited while starting; the end of its log ${join(dir, "s3", "s3.log")}`);
    expect(r.stderr).toContain("could not reserve enough space for object heap");
  });

  it("says so when java or mvn is missing", async () => {
    const noJava = await stockpipe(["local", "up", "s3"], { env: { ...env, JAVA_HOME: "/nonexistent-jdk" } });
    expect(noJava.code).toBe(1);
    expect(noJava.stderr).toContain("`/nonexistent-jdk/bin/java` was not found");
    const fresh = mkdtempSync(join(tmpdir(), "stockpipe-stack-"));
    const noMvn = await stockpipe(["local", "up", "s3"], { env: { ...env, STOCKPIPE_LOCAL_DIR: fresh, PATH: "/nonexistent" } });
    expect(noMvn.code).toBe(1);
    expect(noMvn.stderr).toContain("`mvn` was not found on PATH");
  });
});
