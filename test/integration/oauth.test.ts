/**
 * Kafka with SASL/OAUTHBEARER, end to end: the secure profile's Kafka (a folder and ports of its own) checks
 * tokens with Kafka's own OAuthBearerValidatorCallbackHandler against a JWKS this test serves; stockpipe gets
 * its tokens from this test's OIDC token endpoint (client-credentials grant, RS256 JWTs).
 * - produce → analyze (transactions) → consume → verify with tokens;
 * - tokens that expire mid-stream are refreshed (the broker ends each session with its token) and nothing is lost;
 * - a token the broker refuses, and a client the endpoint refuses, are each one line naming who refused and why;
 * - aws-msk-iam: AWS's signer makes the token from the credentials the test provides (its SigV4 signature
 *   checked here independently) and stockpipe sends it; the broker here is not MSK, so it refuses it.
 */
import { createHash, createHmac, createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunResult, stockpipe, uniqueName } from "../helpers";
import { TestStores } from "../stores";

const dir = mkdtempSync(join(tmpdir(), "stockpipe-oauth-"));
/** The secure profile puts Kafka at local.kafkaPort + 100. */
const basePort = 19_000 + 2 * Math.floor(Math.random() * 200);
const stores = new TestStores();
const keyspace = stores.keyspace(`test_oauth_${Date.now().toString(36)}`);
const stackEnv = { STOCKPIPE_LOCAL_DIR: dir, STOCKPIPE_LOCAL_KAFKA_PORT: String(basePort), STOCKPIPE_LOCAL_PROFILE: "secure" };

interface Client {
  secret: string;
  lifetimeS: number;
  audience: string;
}
const clients: Record<string, Client> = {
  pipeline: { secret: "pipeline-secret", lifetimeS: 3600, audience: "kafka" },
  "short-lived": { secret: "short-secret", lifetimeS: 45, audience: "kafka" },
  "other-audience": { secret: "other-secret", lifetimeS: 3600, audience: "not-kafka" },
};
const issued: Record<string, number> = {};

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = "test-key-1";
let oidc: Server;
let oidcUrl = "";

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${part({ alg: "RS256", typ: "JWT", kid })}.${part(claims)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
}

function startOidc(): Promise<void> {
  oidc = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/jwks.json") {
        const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      }
      if (req.method !== "POST" || req.url !== "/token") return void res.writeHead(404).end();
      const [id, secret] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      const client = clients[id ?? ""];
      const form = new URLSearchParams(body);
      if (!client || client.secret !== secret || form.get("grant_type") !== "client_credentials") {
        return void res
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "invalid_client", error_description: "client authentication failed" }));
      }
      issued[id!] = (issued[id!] ?? 0) + 1;
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(privateKey, {
        iss: oidcUrl,
        sub: id,
        aud: client.audience,
        scope: form.get("scope") ?? "",
        iat: now,
        exp: now + client.lifetimeS,
      });
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: client.lifetimeS }));
    });
  });
  return new Promise((resolve) =>
    oidc.listen(0, "127.0.0.1", () => {
      oidcUrl = `http://127.0.0.1:${(oidc.address() as { port: number }).port}`;
      resolve();
    }),
  );
}

/** The client side: TLS to the stack's CA, OAUTHBEARER with a client of the test's endpoint. */
const tls: Record<string, string> = {};
function clientEnv(client: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...tls,
    STOCKPIPE_KAFKA_SASL_MECHANISM: "oauthbearer",
    STOCKPIPE_KAFKA_SASL_OAUTH_TOKEN_ENDPOINT: `${oidcUrl}/token`,
    STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_ID: client,
    STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_SECRET: clients[client]?.secret ?? "wrong",
    STOCKPIPE_KAFKA_SASL_OAUTH_SCOPE: "kafka",
    STOCKPIPE_CASSANDRA_KEYSPACE: keyspace,
    ...extra,
  };
}

function run(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<RunResult> {
  return stockpipe(args, { env, timeoutMs });
}

beforeAll(async () => {
  await startOidc();
  const up = await run(["local", "up", "kafka"], { ...stackEnv, STOCKPIPE_LOCAL_OAUTH_JWKS_URL: `${oidcUrl}/jwks.json` }, 240_000);
  expect(up.code, up.stderr).toBe(0);
  const env = await run(["local", "env"], stackEnv);
  for (const line of env.stdout.split("\n")) {
    const m = /^export (STOCKPIPE_KAFKA_(?:BROKERS|SSL_[A-Z_]+))=(.*)$/.exec(line);
    if (m) tls[m[1]!] = m[2]!.replace(/^'(.*)'$/, "$1");
  }
  expect(tls.STOCKPIPE_KAFKA_BROKERS).toBe(`127.0.0.1:${basePort + 100}`);
  expect(tls.STOCKPIPE_KAFKA_SSL_CA).toBeTruthy();
}, 300_000);

afterAll(async () => {
  await run(["local", "down", "kafka", "--purge"], stackEnv);
  oidc?.close();
  await stores.cleanUp();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe("SASL/OAUTHBEARER against Kafka's own JWT validator", () => {
  it("produce → analyze (transactions) → consume → verify with client-credentials tokens", async () => {
    const env = clientEnv("pipeline");
    const topic = uniqueName("test-oauth");
    const create = await run(["topic", "create", topic, "-p", "3"], env);
    expect(create.code, create.stderr).toBe(0);
    const doctor = await run(["doctor", "--skip", "cassandra,s3", "-f", "json"], env);
    expect(JSON.parse(doctor.stdout)[0]).toMatchObject({ check: "kafka", status: "ok" });
    expect(JSON.parse(doctor.stdout)[0].security).toContain(`SASL OAUTHBEARER, client pipeline of ${oidcUrl}/token`);
    const ticks = ["--source", "synthetic", "--symbols", "AAA,BBB", "--seed", "3", "--topic", topic];
    expect((await run(["produce", ...ticks, "--limit", "2000", "--start", "2026-03-02T14:30:00Z"], env)).code).toBe(0);
    expect((await run(["produce", ...ticks, "--limit", "20", "--start", "2026-03-02T14:35:00Z"], env)).code).toBe(0);
    const analyze = await run(["analyze", "--topic", topic, "--intervals", "1m", "--exit-at-end", "-f", "json"], env);
    expect(analyze.code, analyze.stderr).toBe(0);
    expect(JSON.parse(analyze.stdout)).toMatchObject({ ticks: 2020 });
    expect((await run(["schema", "cassandra"], env)).code).toBe(0);
    for (const t of [topic, `${topic}.bars.1m`]) {
      const consume = await run(["consume", "--sink", "cassandra", "--topic", t, "-g", `${t}-g`, "--exit-at-end"], env);
      expect(consume.code, consume.stderr).toBe(0);
      const verify = await run(["verify", "--topic", t, "--sinks", "cassandra"], env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    expect(issued.pipeline).toBeGreaterThan(0);
  }, 600_000);

  it("refreshes tokens that expire mid-stream: 75 s of ticks on 45 s tokens, nothing lost", async () => {
    const env = clientEnv("short-lived");
    const topic = uniqueName("test-oauth-expiry");
    expect((await run(["topic", "create", topic, "-p", "2"], env)).code).toBe(0);
    const before = issued["short-lived"] ?? 0;
    const produce = await run(
      ["produce", "--source", "synthetic", "--symbols", "AAA,BBB", "--rate", "40", "--duration", "75s", "--topic", topic, "-f", "json"],
      env,
      240_000,
    );
    expect(produce.code, produce.stderr).toBe(0);
    const sent = JSON.parse(produce.stdout).sent as number;
    expect(sent).toBeGreaterThan(2500);
    // A token lasts 45 s and is refreshed with 30 s left: the 75 s stream needed several.
    expect((issued["short-lived"] ?? 0) - before).toBeGreaterThanOrEqual(3);
    const consume = await run(["consume", "--sink", "cassandra", "--topic", topic, "--exit-at-end", "-f", "json"], env);
    expect(consume.code, consume.stderr).toBe(0);
    expect(JSON.parse(consume.stdout)).toMatchObject({ written: sent, dlq: 0 });
    const verify = await run(["verify", "--topic", topic, "--sinks", "cassandra"], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 600_000);

  it("a token the broker refuses is one line naming the client, the endpoint and the cause", async () => {
    const r = await run(["topic", "list"], clientEnv("other-audience"), 60_000);
    expect(r.code).not.toBe(0);
    const first = r.stderr.trim().split("\n")[0]!;
    expect(first).toContain(`refused the token of client other-audience from ${oidcUrl}/token`);
    expect(first).toMatch(/OAUTHBEARER|invalid_token|audience/i);
  });

  it("a client the token endpoint refuses is one line naming the endpoint and its answer", async () => {
    const r = await run(["topic", "list"], clientEnv("pipeline", { STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_SECRET: "not-the-secret" }), 60_000);
    expect(r.code).not.toBe(0);
    const first = r.stderr.trim().split("\n")[0]!;
    expect(first).toContain(
      `the OAuth token endpoint ${oidcUrl}/token refused client pipeline: HTTP 401 invalid_client: client authentication failed`,
    );
    expect(r.stdout + r.stderr).not.toContain("not-the-secret");
  });
});

describe("aws-msk-iam: AWS's signer, the default credential chain, OAUTHBEARER on the wire", () => {
  const creds = { AWS_ACCESS_KEY_ID: "AKIAMSKTESTKEY000001", AWS_SECRET_ACCESS_KEY: "msk-test-secret-0123456789" };

  it("signs a kafka-cluster:Connect request with the credentials given (SigV4 checked independently)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, creds, { AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_CONFIG_FILE: "/nonexistent" });
    try {
      const { mskIamToken } = await import("../../src/kafka/sasl");
      const token = await mskIamToken("eu-west-1");
      const url = new URL(Buffer.from(token.value, "base64url").toString());
      expect(url.host).toBe("kafka.eu-west-1.amazonaws.com");
      const q = url.searchParams;
      expect(q.get("Action")).toBe("kafka-cluster:Connect");
      expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
      const date = q.get("X-Amz-Date")!;
      expect(q.get("X-Amz-Credential")).toBe(`${creds.AWS_ACCESS_KEY_ID}/${date.slice(0, 8)}/eu-west-1/kafka-cluster/aws4_request`);
      expect(token.expiresAt).toBe(
        Date.parse(
          `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
        ) +
          Number(q.get("X-Amz-Expires")) * 1000,
      );
      // SigV4 query signing, computed here from the AWS documentation's steps.
      const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const signed = [...q.entries()].filter(([k]) => k !== "X-Amz-Signature" && k !== "User-Agent");
      const canonicalQuery = signed
        .map(([k, v]) => [enc(k), enc(v)])
        .sort(([a], [b]) => (a! < b! ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
      const canonical = ["GET", "/", canonicalQuery, `host:${url.host}\n`, "host", createHash("sha256").update("").digest("hex")].join(
        "\n",
      );
      const scope = `${date.slice(0, 8)}/eu-west-1/kafka-cluster/aws4_request`;
      const toSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
      const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
      let key = hmac(`AWS4${creds.AWS_SECRET_ACCESS_KEY}`, date.slice(0, 8));
      for (const part of ["eu-west-1", "kafka-cluster", "aws4_request"]) key = hmac(key, part);
      expect(q.get("X-Amz-Signature")).toBe(createHmac("sha256", key).update(toSign).digest("hex"));
    } finally {
      process.env = saved;
    }
  });

  it("sends the token as OAUTHBEARER; a broker that is not MSK refuses it, in one line", async () => {
    const r = await run(
      ["topic", "list"],
      { ...tls, ...creds, STOCKPIPE_KAFKA_SASL_MECHANISM: "aws-msk-iam", STOCKPIPE_KAFKA_SASL_REGION: "eu-west-1" },
      60_000,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")[0]).toContain("refused the MSK IAM token (signed with the AWS credential chain)");
    expect(r.stdout + r.stderr).not.toContain(creds.AWS_SECRET_ACCESS_KEY);
  });
});
