/**
 * The Athena client against moto's server. moto speaks Athena's API but runs no SQL: results are queued through
 * its /moto-api/static/athena/query-results endpoint, and the tests check what stockpipe does with them —
 * polling, type mapping, the header row, many rows, cancellation, and the DDL it sends.
 */
import { spawn } from "node:child_process";
import { AthenaClient, GetQueryExecutionCommand, ListQueryExecutionsCommand, StopQueryExecutionCommand } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, stockpipe } from "../helpers";
import { type Moto, startMoto } from "../setup/moto";

let moto: Moto;
let env: Record<string, string>;
let athena: AthenaClient;

async function queue(rows: string[][], columns: [string, string][]): Promise<void> {
  const body = {
    results: [
      {
        rows: [
          { Data: columns.map(([name]) => ({ VarCharValue: name })) },
          ...rows.map((r) => ({ Data: r.map((v) => (v === "\0" ? {} : { VarCharValue: v })) })),
        ],
        column_info: columns.map(([Name, Type]) => ({
          Name,
          Label: Name,
          Type,
          CatalogName: "hive",
          SchemaName: "stockpipe",
          TableName: "ticks",
          Nullable: "UNKNOWN",
          CaseSensitive: false,
          Precision: 0,
          Scale: 0,
        })),
      },
    ],
  };
  const r = await fetch(`${moto.url}/moto-api/static/athena/query-results`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  expect(r.status).toBe(201);
}

async function manualTransitions(times: number): Promise<void> {
  const r = await fetch(`${moto.url}/moto-api/state-manager/set-transition`, {
    method: "POST",
    body: JSON.stringify({ model_name: "athena::execution", transition: { progression: "manual", times } }),
  });
  expect(r.ok).toBe(true);
}

async function executions(): Promise<{ id: string; query: string; state: string }[]> {
  const ids = (await athena.send(new ListQueryExecutionsCommand({}))).QueryExecutionIds ?? [];
  const out = [];
  for (const id of ids) {
    const q = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution!;
    out.push({ id, query: q.Query!, state: q.Status!.State! });
  }
  return out;
}

beforeAll(async () => {
  moto = await startMoto();
  env = {
    STOCKPIPE_ATHENA_ENDPOINT: moto.url,
    STOCKPIPE_ATHENA_OUTPUT_LOCATION: "s3://athena-results/stockpipe/",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
  athena = new AthenaClient({
    region: "us-east-1",
    endpoint: moto.url,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}, 600_000);

afterAll(async () => {
  athena?.destroy();
  await moto?.stop();
});

describe("schema athena", () => {
  it.each([
    ["day", "yyyy-MM-dd", "1970-01-01", "DAYS"],
    ["month", "yyyy-MM", "1970-01", "MONTHS"],
    ["year", "yyyy", "1970", "YEARS"],
  ])("projects dt at the lake's granularity: %s", async (partitionBy, format, start, unit) => {
    const lakeEnv = {
      ...env,
      STOCKPIPE_S3_BUCKET: "lake-bucket",
      STOCKPIPE_S3_PREFIX: `by-${partitionBy}`,
      STOCKPIPE_S3_PARTITION_BY: partitionBy,
      STOCKPIPE_ATHENA_TABLE: `ticks_by_${partitionBy}`,
    };
    const r = await stockpipe(["schema", "athena"], { env: lakeEnv });
    expect(r.code, r.stderr).toBe(0);
    const table = (await executions()).map((e) => e.query).find((q) => q.includes(`\`ticks_by_${partitionBy}\``));
    expect(table).toBeDefined();
    expect(table).toContain(`'projection.dt.format' = '${format}'`);
    expect(table).toContain(`'projection.dt.range' = '${start},NOW'`);
    expect(table).toContain(`'projection.dt.interval.unit' = '${unit}'`);
    expect(table).toContain(`LOCATION 's3://lake-bucket/by-${partitionBy}/ticks/'`);
  });

  it("sends the database and table DDL through Athena, with the lake's location", async () => {
    const r = await stockpipe(["schema", "athena"], { env: { ...env, STOCKPIPE_S3_BUCKET: "lake-bucket", STOCKPIPE_S3_PREFIX: "prod" } });
    expect(r.code, r.stderr).toBe(0);
    const sent = (await executions()).map((e) => e.query);
    const dry = await stockpipe(["schema", "athena", "--dry-run"], {
      env: { ...env, STOCKPIPE_S3_BUCKET: "lake-bucket", STOCKPIPE_S3_PREFIX: "prod" },
    });
    const statements = dry.stdout
      .trim()
      .split(";\n\n")
      .map((s) => s.replace(/;$/, ""));
    expect(sent).toEqual(expect.arrayContaining(statements));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's own ${dt} placeholder, verbatim
    expect(statements[1]).toContain("'storage.location.template' = 's3://lake-bucket/prod/ticks/dt=${dt}/'");
    // Bars and alerts: tables of their own, bars partitioned by interval (the configured ones) and dt.
    expect(statements[2]).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `stockpipe`.`bars`");
    expect(statements[2]).toContain("PARTITIONED BY (`interval` string, `dt` string)");
    expect(statements[2]).toContain("'projection.interval.values' = '1m,5m,1d'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's own placeholders, verbatim
    expect(statements[2]).toContain("'storage.location.template' = 's3://lake-bucket/prod/bars/interval=${interval}/dt=${dt}/'");
    expect(statements[3]).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `stockpipe`.`alerts`");
    expect(statements[3]).toContain("LOCATION 's3://lake-bucket/prod/alerts/'");
  });
});

describe("schema athena --glue-crawler", () => {
  it("creates the Glue database and a crawler over the lake, and starts it", async () => {
    const { GlueClient, GetCrawlerCommand } = await import("@aws-sdk/client-glue");
    const e = {
      ...env,
      STOCKPIPE_ATHENA_GLUE_ENDPOINT: moto.url,
      STOCKPIPE_ATHENA_CRAWLER_ROLE: "arn:aws:iam::123456789012:role/crawler",
      STOCKPIPE_S3_BUCKET: "lake-bucket",
      STOCKPIPE_S3_PREFIX: "prod",
    };
    const r = await stockpipe(["schema", "athena", "--glue-crawler"], { env: e });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("created and started Glue crawler stockpipe-stockpipe-ticks");
    const glue = new GlueClient({
      region: "us-east-1",
      endpoint: moto.url,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const c = (await glue.send(new GetCrawlerCommand({ Name: "stockpipe-stockpipe-ticks" }))).Crawler!;
    glue.destroy();
    expect(c.DatabaseName).toBe("stockpipe");
    expect(c.Role).toBe("arn:aws:iam::123456789012:role/crawler");
    expect(c.Targets?.S3Targets?.[0]?.Path).toBe("s3://lake-bucket/prod/ticks/");
    // A second run updates the crawler (UpdateCrawler), which moto does not implement: not tested here.
  });
});

describe("query --engine athena", () => {
  it("polls until SUCCEEDED, drops the header row and maps Athena's types", async () => {
    await queue(
      [
        ["AAPL", "172.5", "12345678901", "2024-03-15 13:30:00.123", "true", "123.4500", "2024-03-15"],
        ["MSFT", "420.25", "9007199254740993", "2024-03-15 13:30:01.000", "false", "\0", "2024-03-15"],
      ],
      [
        ["symbol", "varchar"],
        ["price", "double"],
        ["volume", "bigint"],
        ["ts", "timestamp"],
        ["open", "boolean"],
        ["amount", "decimal"],
        ["dt", "date"],
      ],
    );
    const r = await stockpipe(
      ["query", "--engine", "athena", "SELECT symbol, price, volume, ts, open, amount, dt FROM ticks LIMIT 2", "-f", "json"],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        symbol: "AAPL",
        price: 172.5,
        volume: 12345678901,
        ts: "2024-03-15T13:30:00.123Z",
        open: true,
        amount: "123.4500",
        dt: "2024-03-15",
      },
      {
        symbol: "MSFT",
        price: 420.25,
        volume: "9007199254740993",
        ts: "2024-03-15T13:30:01.000Z",
        open: false,
        amount: null,
        dt: "2024-03-15",
      },
    ]);
    expect(r.stderr).toMatch(/2 rows in \d+ ms; 0\.00 MB scanned, about \$0\.000052/);
    const last = (await executions()).find((e) => e.query.startsWith("SELECT symbol, price"))!;
    expect(last.state).toBe("SUCCEEDED");
  });

  it("returns more than 1,000 rows", async () => {
    await queue(
      Array.from({ length: 2500 }, (_, i) => [`S${i}`, String(i)]),
      [
        ["symbol", "varchar"],
        ["n", "integer"],
      ],
    );
    const r = await stockpipe(["query", "--engine", "athena", "SELECT symbol, n FROM ticks", "-f", "csv"], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2501);
    expect(lines[1]).toBe("S0,0");
    expect(lines[2500]).toBe("S2499,2499");
  });

  it("reports a query cancelled elsewhere as one error with Athena's state", async () => {
    await manualTransitions(100_000);
    const child = spawn(process.execPath, [BIN, "query", "--engine", "athena", "SELECT 1"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      await new Promise((r) => setTimeout(r, 200));
      id = (await executions()).find((e) => e.query === "SELECT 1" && e.state !== "CANCELLED")?.id;
    }
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id! }));
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    expect(code).toBe(1);
    expect(stderr).toContain(`error: Athena query ${id} cancelled`);
  });

  it("stops the query on Ctrl-C and exits 130", async () => {
    await manualTransitions(100_000);
    const child = spawn(process.execPath, [BIN, "query", "--engine", "athena", "SELECT 2"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 2500));
    child.kill("SIGINT");
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopped Athena query [0-9a-f-]+/);
    const stopped = (await executions()).filter((e) => e.query === "SELECT 2");
    expect(stopped.map((e) => e.state)).toEqual(["CANCELLED"]);
  });
});
