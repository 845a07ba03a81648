/**
 * AWS credentials the AWS way: with no keys configured, S3 is signed with the default chain's credentials and
 * `doctor` names their source, never the secret.
 * - A profile of a shared credentials file (AWS_PROFILE) against the local S3 server.
 * - The EC2 instance role through IMDSv2 — a local metadata server the test runs, speaking the token flow of the
 *   EC2 docs (PUT a session token, then GET the role and its credentials with it; a GET without it is refused) —
 *   against moto's S3, which accepts the session token such credentials carry (S3Proxy does not).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunResult, stockpipe, uniqueName } from "../helpers";
import { type Moto, startMoto } from "../setup/moto";

/** No credentials anywhere but where each test puts them. */
const noAws = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  AWS_CONFIG_FILE: "/nonexistent/config",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  STOCKPIPE_LOCAL_DIR: join(tmpdir(), "stockpipe-no-stack"),
};

function doctorRow(r: RunResult, check: string): Record<string, string> {
  const rows: Record<string, string>[] = JSON.parse(r.stdout);
  return rows.find((x) => x.check === check)!;
}

describe("the AWS default credential chain", () => {
  it("a profile of the shared credentials file signs requests to the local S3, and doctor names it", async () => {
    const local = JSON.parse(readFileSync(join(process.env.HOME!, ".stockpipe", "local", "s3", "credentials.json"), "utf8"));
    const file = join(tmpdir(), `${uniqueName("aws-credentials")}.ini`);
    writeFileSync(file, `[lake]\naws_access_key_id = ${local.accessKeyId}\naws_secret_access_key = ${local.secretAccessKey}\n`, {
      mode: 0o600,
    });
    const env = { ...noAws, AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: "lake" };
    const r = await stockpipe(["doctor", "--skip", "kafka,cassandra", "-f", "json"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(doctorRow(r, "s3")).toMatchObject({
      status: "ok",
      version: "bucket stockpipe found",
      security: "http, signed (AWS credential chain)",
    });
    expect(doctorRow(r, "aws")).toMatchObject({
      status: "ok",
      version: `profile lake of the shared credentials files: key ${local.accessKeyId}`,
    });
    expect(r.stdout + r.stderr).not.toContain(local.secretAccessKey);
    // Another profile name is not in the file: the chain finds nothing, doctor says what to set.
    const none = await stockpipe(["doctor", "--skip", "kafka,cassandra", "-f", "json"], { env: { ...env, AWS_PROFILE: "missing" } });
    expect(none.code).not.toBe(0);
    expect(doctorRow(none, "aws")).toMatchObject({ status: "FAIL" });
    expect(doctorRow(none, "aws").fix).toContain("AWS_PROFILE");
  });

  describe("the EC2 instance role through IMDSv2, against moto's S3", () => {
    let moto: Moto;
    let imds: Server;
    let imdsUrl = "";
    const calls: string[] = [];
    const role = "stockpipe-ec2";
    const issued = {
      AccessKeyId: "ASIAIMDSTESTKEY00001",
      SecretAccessKey: "imds-secret-never-printed-0123456789abcdef",
      Token: "imds-session-token-0123456789",
      Expiration: new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, "Z"),
    };
    const bucket = "lake-imds";

    beforeAll(async () => {
      moto = await startMoto();
      imds = createServer((req, res) => {
        const token = req.headers["x-aws-ec2-metadata-token"];
        calls.push(`${req.method} ${req.url}${token ? " +token" : ""}`);
        if (req.method === "PUT" && req.url === "/latest/api/token") {
          if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return void res.writeHead(400).end();
          return void res.writeHead(200, { "content-type": "text/plain" }).end("imds-v2-session");
        }
        if (token !== "imds-v2-session") return void res.writeHead(401).end();
        if (req.url === "/latest/meta-data/iam/security-credentials/") return void res.writeHead(200).end(role);
        if (req.url === `/latest/meta-data/iam/security-credentials/${role}`) {
          return void res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ Code: "Success", LastUpdated: new Date().toISOString(), Type: "AWS-HMAC", ...issued }));
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => imds.listen(0, "127.0.0.1", resolve));
      imdsUrl = `http://127.0.0.1:${(imds.address() as { port: number }).port}`;
      const s3 = new S3Client({
        endpoint: moto.url,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      s3.destroy();
    }, 600_000);

    afterAll(async () => {
      imds?.close();
      await moto?.stop();
    });

    it("fetches the role's credentials with a session token, signs S3 with them, and doctor says so", async () => {
      const env = {
        ...noAws,
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
        STOCKPIPE_S3_ENDPOINT: moto.url,
        STOCKPIPE_S3_BUCKET: bucket,
        STOCKPIPE_S3_REGION: "us-east-1",
      };
      const r = await stockpipe(["doctor", "--skip", "kafka,cassandra", "-f", "json"], { env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(doctorRow(r, "s3")).toMatchObject({ status: "ok", version: `bucket ${bucket} found in us-east-1` });
      expect(doctorRow(r, "aws").version).toBe(
        `the EC2 instance role (IMDSv2): key ${issued.AccessKeyId}, temporary until ${issued.Expiration.slice(0, 19)}Z`,
      );
      expect(r.stdout + r.stderr).not.toContain(issued.SecretAccessKey);
      expect(r.stdout + r.stderr).not.toContain(issued.Token);
      // IMDSv2: a token first, every metadata read with it.
      expect(calls[0]).toBe("PUT /latest/api/token");
      expect(calls.filter((c) => c.startsWith("GET"))).toEqual(
        expect.arrayContaining([
          "GET /latest/meta-data/iam/security-credentials/ +token",
          `GET /latest/meta-data/iam/security-credentials/${role} +token`,
        ]),
      );
      expect(calls.filter((c) => c.startsWith("GET") && !c.endsWith("+token"))).toEqual([]);

      // Writes through the lake path with those credentials: the bucket made by `schema s3`, then the ticks of a
      // topic, read back from moto's bucket with DuckDB.
      expect((await stockpipe(["schema", "s3"], { env: { ...env, STOCKPIPE_S3_BUCKET: "lake-imds-new" } })).code).toBe(0);
      const s3 = new S3Client({
        endpoint: moto.url,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      expect((await s3.send(new HeadBucketCommand({ Bucket: "lake-imds-new" })).catch((e) => e)).$metadata.httpStatusCode).toBe(200);
      const topic = uniqueName("test-imds");
      expect((await stockpipe(["topic", "create", topic, "-p", "2"])).code).toBe(0);
      const ticks = [
        "produce",
        "--source",
        "synthetic",
        "--symbols",
        "AAPL,MSFT",
        "--seed",
        "5",
        "--limit",
        "40",
        "--start",
        "2026-03-02T14:30:00Z",
      ];
      expect((await stockpipe([...ticks, "--topic", topic])).code).toBe(0);
      const sent = (await stockpipe([...ticks, "--dry-run"])).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const consume = await stockpipe(["consume", "--sink", "s3", "--topic", topic, "--exit-at-end", "-f", "json"], { env });
      expect(consume.code, consume.stderr).toBe(0);
      expect(JSON.parse(consume.stdout)).toMatchObject({ written: 40 });
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const files = (listed.Contents ?? []).filter((o) => o.Key!.endsWith(".parquet"));
      expect(files.length).toBeGreaterThan(0);
      const dir = mkdtempSync(join(tmpdir(), "imds-lake-"));
      for (const [i, f] of files.entries()) {
        const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: f.Key! }));
        writeFileSync(join(dir, `${i}.parquet`), await body.Body!.transformToByteArray());
      }
      s3.destroy();
      const db = await DuckDBInstance.create();
      const conn = await db.connect();
      const rows = (
        await conn.runAndReadAll(
          `SELECT symbol, price, volume, seq FROM read_parquet('${dir}/*.parquet', union_by_name = true) ORDER BY seq`,
        )
      ).getRowObjectsJS();
      conn.closeSync();
      expect(rows.map((r) => [r.symbol, Number(r.price), Number(r.volume), Number(r.seq)])).toEqual(
        sent.map((t: { symbol: string; price: number; volume: number; seq: number }) => [t.symbol, t.price, t.volume, t.seq]),
      );
    });
  });
});
