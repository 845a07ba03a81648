import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/loader";
import { ConfigError } from "../../../src/errors";
import {
  awsRegion,
  clientCredentialsToken,
  jwtExpiry,
  mskRegion,
  needsRefresh,
  RefreshingToken,
  type Token,
} from "../../../src/kafka/sasl";

describe("token refresh", () => {
  it("refreshes once 80% of the life has passed or fewer than 30 s remain", () => {
    const hour: Token = { value: "t", expiresAt: 3_600_000 };
    expect(needsRefresh(hour, 0, 2_879_999)).toBe(false);
    expect(needsRefresh(hour, 0, 2_880_000)).toBe(true);
    const minute: Token = { value: "t", expiresAt: 60_000 };
    expect(needsRefresh(minute, 0, 29_999)).toBe(false);
    expect(needsRefresh(minute, 0, 30_001)).toBe(true);
  });

  it("keeps a token until then, and concurrent callers share one fetch", async () => {
    let now = 0;
    let n = 0;
    const t = new RefreshingToken(
      async () => ({ value: `token-${++n}`, expiresAt: now + 100_000 }),
      () => now,
    );
    const [a, b] = await Promise.all([t.get(), t.get()]);
    expect([a.value, b.value]).toEqual(["token-1", "token-1"]);
    now = 60_000;
    expect((await t.get()).value).toBe("token-1");
    now = 80_000;
    expect((await t.get()).value).toBe("token-2");
    expect(t.fetched).toBe(2);
  });

  it("a failed fetch is not kept: the next call asks again", async () => {
    let fail = true;
    const t = new RefreshingToken(async () => {
      if (fail) throw new Error("down");
      return { value: "ok", expiresAt: Date.now() + 3_600_000 };
    });
    await expect(t.get()).rejects.toThrow("down");
    fail = false;
    expect((await t.get()).value).toBe("ok");
  });
});

describe("tokens from an OIDC endpoint (client credentials)", () => {
  async function endpoint(handler: (auth: string, body: string) => [number, unknown]) {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const [status, json] = handler(req.headers.authorization ?? "", body);
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/token`, close: () => server.close() };
  }

  it("posts the grant with HTTP Basic client authentication and the scope; expiry from expires_in", async () => {
    const seen: string[] = [];
    const e = await endpoint((auth, body) => {
      seen.push(Buffer.from(auth.replace("Basic ", ""), "base64").toString(), body);
      return [200, { access_token: "abc", token_type: "Bearer", expires_in: 300 }];
    });
    try {
      const t = await clientCredentialsToken(
        { tokenEndpoint: e.url, clientId: "app", clientSecret: "s3cret", scope: "kafka", extensions: { logicalCluster: "lkc-1" } },
        () => 1_000,
      );
      expect(t).toEqual({ value: "abc", expiresAt: 301_000, extensions: { logicalCluster: "lkc-1" } });
      expect(seen).toEqual(["app:s3cret", "grant_type=client_credentials&scope=kafka"]);
    } finally {
      e.close();
    }
  });

  it("takes a JWT's exp when expires_in is missing", async () => {
    const jwt = `x.${Buffer.from(JSON.stringify({ exp: 2_000 })).toString("base64url")}.y`;
    expect(jwtExpiry(jwt)).toBe(2_000_000);
    expect(jwtExpiry("opaque")).toBeUndefined();
    const e = await endpoint(() => [200, { access_token: jwt }]);
    try {
      expect((await clientCredentialsToken({ tokenEndpoint: e.url, clientId: "a", clientSecret: "b" })).expiresAt).toBe(2_000_000);
    } finally {
      e.close();
    }
  });

  it("a refusal names the endpoint, the client and the answer; an endpoint that is not there says so", async () => {
    const e = await endpoint(() => [401, { error: "invalid_client", error_description: "bad secret" }]);
    try {
      await expect(clientCredentialsToken({ tokenEndpoint: e.url, clientId: "app", clientSecret: "x" })).rejects.toThrow(
        `the OAuth token endpoint ${e.url} refused client app: HTTP 401 invalid_client: bad secret`,
      );
    } finally {
      e.close();
    }
    await expect(clientCredentialsToken({ tokenEndpoint: "http://127.0.0.1:1/token", clientId: "a", clientSecret: "b" })).rejects.toThrow(
      "the OAuth token endpoint http://127.0.0.1:1/token did not answer",
    );
  });
});

describe("MSK IAM region and config", () => {
  it("comes from kafka.sasl.region, AWS_REGION, or the brokers' names", () => {
    expect(mskRegion(["b-1.prod.abc123.c2.kafka.eu-central-1.amazonaws.com:9098"])).toBe("eu-central-1");
    expect(mskRegion(["boot-x.c1.kafka-serverless.us-east-2.amazonaws.com:9098"])).toBe("us-east-2");
    expect(mskRegion(["127.0.0.1:9092"])).toBeUndefined();
    const { config } = loadConfig({
      env: { STOCKPIPE_KAFKA_SASL_MECHANISM: "aws-msk-iam", STOCKPIPE_KAFKA_BROKERS: "b-1.x.y.c2.kafka.ap-south-1.amazonaws.com:9098" },
    });
    expect(awsRegion(config, {})).toBe("ap-south-1");
    expect(awsRegion(config, { AWS_REGION: "us-west-2" })).toBe("us-west-2");
    const local = loadConfig({ env: { STOCKPIPE_KAFKA_SASL_MECHANISM: "aws-msk-iam" } }).config;
    expect(() => awsRegion(local, {})).toThrow("needs the cluster's AWS region");
  });

  it("oauthbearer needs its endpoint, client id and secret, and its extensions come as name:value pairs", () => {
    expect(() => loadConfig({ env: { STOCKPIPE_KAFKA_SASL_MECHANISM: "oauthbearer" } })).toThrow(ConfigError);
    let problems: string[] = [];
    try {
      loadConfig({ env: { STOCKPIPE_KAFKA_SASL_MECHANISM: "oauthbearer", STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_ID: "app" } });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.join("\n")).toContain("kafka.sasl.oauth.tokenEndpoint");
    expect(problems.join("\n")).toContain("kafka.sasl.oauth.clientSecret");
    expect(problems.join("\n")).not.toContain("clientId");
    const ok = loadConfig({
      env: {
        STOCKPIPE_KAFKA_SASL_MECHANISM: "oauthbearer",
        STOCKPIPE_KAFKA_SASL_OAUTH_TOKEN_ENDPOINT: "https://idp.example.com/token",
        STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_ID: "app",
        STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_SECRET: "s",
        STOCKPIPE_KAFKA_SASL_OAUTH_EXTENSIONS: "logicalCluster:lkc-1,identityPoolId:pool-2",
      },
    }).config;
    expect(ok.kafka.sasl.oauth.extensions).toEqual({ logicalCluster: "lkc-1", identityPoolId: "pool-2" });
  });
});
