/**
 * Amazon Keyspaces mode, as far as it can be checked without Keyspaces: the SigV4 answer against the example in
 * AWS's plugin documentation, the authenticator's exchange, the client's options, the schema's CQL and the
 * batch limit. Keyspaces itself cannot run here (docs/deployment.md says what is and is not tested).
 */
import cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/loader";
import { keyspacesOptions } from "../../../src/sinks/cassandra/client";
import { batchRows, challengeNonce, keyspacesRegion, keyspacesSignature, SigV4AuthProvider } from "../../../src/sinks/cassandra/keyspaces";
import { keyspaceCql, schemaStatements, TABLES, tableCql } from "../../../src/sinks/cassandra/schema";

const keyspaces = (env: Record<string, string> = {}) =>
  loadConfig({ env: { STOCKPIPE_CASSANDRA_FLAVOR: "keyspaces", STOCKPIPE_CASSANDRA_REGION: "us-west-2", ...env } }).config;

describe("Keyspaces SigV4", () => {
  it("signs the nonce as the plugin's documented example does", () => {
    // The example of computeSigV4SignatureCassandraRequest in aws-sigv4-auth-cassandra-plugin.
    expect(
      keyspacesSignature({
        region: "us-west-2",
        nonce: "91703fdc2ef562e19fbdab0f58e42fe5",
        date: new Date(1591742511000),
        accessKeyId: "UserID-1",
        secretAccessKey: "UserSecretKey-1",
      }),
    ).toBe(
      "signature=7f3691c18a81b8ce7457699effbfae5b09b4e0714ab38c1292dbdf082c9ddd87,access_key=UserID-1,amzdate=2020-06-09T22:41:51.000Z",
    );
  });

  it("asks for SigV4, then answers the challenge with credentials from the provider (session token included)", async () => {
    const provider = new SigV4AuthProvider("eu-west-1", async () => ({
      accessKeyId: "ASIAKEY",
      secretAccessKey: "secret",
      sessionToken: "tok",
    }));
    expect(provider).toBeInstanceOf((cassandra.auth as unknown as { AuthProvider: new () => object }).AuthProvider);
    const auth = provider.newAuthenticator() as unknown as {
      initialResponse(cb: (e: Error | null, b?: Buffer) => void): void;
      evaluateChallenge(c: Buffer, cb: (e: Error | null, b?: Buffer) => void): void;
    };
    const first = await new Promise<Buffer>((resolve) => auth.initialResponse((_e, b) => resolve(b!)));
    expect(first.toString()).toBe("SigV4\0\0");
    const answer = await new Promise<string>((resolve, reject) =>
      auth.evaluateChallenge(Buffer.from("nonce=abc123,other=1"), (e, b) => (e ? reject(e) : resolve(b!.toString()))),
    );
    expect(answer).toMatch(/^signature=[0-9a-f]{64},access_key=ASIAKEY,amzdate=\d{4}-\d\d-\d\dT[\d:.]+Z,session_token=tok$/);
    const missing = await new Promise<Error | null>((resolve) => auth.evaluateChallenge(Buffer.from("no nonce here"), (e) => resolve(e)));
    expect(missing?.message).toContain("without a nonce");
    expect(challengeNonce(Buffer.from("nonce=n1,"))).toBe("n1");
  });
});

describe("the Keyspaces client", () => {
  it("goes to the region's endpoint on 9142 over TLS with the region as data center and LOCAL_QUORUM", () => {
    const o = keyspacesOptions(keyspaces());
    expect(o.contactPoints).toEqual(["cassandra.us-west-2.amazonaws.com:9142"]);
    expect(o.localDataCenter).toBe("us-west-2");
    expect(o.protocolOptions?.port).toBe(9142);
    expect(o.sslOptions).toMatchObject({
      host: "cassandra.us-west-2.amazonaws.com",
      servername: "cassandra.us-west-2.amazonaws.com",
      rejectUnauthorized: true,
    });
    expect(o.queryOptions?.consistency).toBe(cassandra.types.consistencies.localQuorum);
    expect(o.authProvider).toBeInstanceOf(SigV4AuthProvider);
  });

  it("writes at most 30 rows a batch (Keyspaces' limit), Cassandra as asked", () => {
    expect(batchRows(keyspaces())).toBe(30);
    expect(batchRows(keyspaces(), 10)).toBe(10);
    expect(batchRows(loadConfig({ env: {} }).config)).toBe(100);
  });

  it("takes the region from the config, AWS_REGION or the endpoint's name, and says when there is none", () => {
    const noRegion = loadConfig({ env: { STOCKPIPE_CASSANDRA_FLAVOR: "keyspaces" } }).config;
    expect(keyspacesRegion(noRegion, { AWS_REGION: "ap-south-1" })).toBe("ap-south-1");
    const byHost = loadConfig({
      env: { STOCKPIPE_CASSANDRA_FLAVOR: "keyspaces", STOCKPIPE_CASSANDRA_CONTACT_POINTS: "cassandra.eu-north-1.amazonaws.com:9142" },
    }).config;
    expect(keyspacesRegion(byHost, {})).toBe("eu-north-1");
    expect(() => keyspacesRegion(noRegion, {})).toThrow("needs the AWS region");
  });
});

describe("the schema on Keyspaces", () => {
  it("a regional keyspace, no compaction, TTL and client-side timestamps as custom properties", () => {
    const c = keyspaces({ STOCKPIPE_CASSANDRA_TTL_SECONDS: "86400" });
    expect(keyspaceCql(c)).toBe("CREATE KEYSPACE IF NOT EXISTS stockpipe WITH replication = {'class': 'SingleRegionStrategy'}");
    const all = schemaStatements(c).join("\n");
    expect(all).not.toContain("compaction");
    expect(all).not.toContain("SimpleStrategy");
    const ticks = tableCql(c, TABLES.find((t) => t.name === "ticks")!);
    expect(ticks).toContain(
      "WITH CLUSTERING ORDER BY (ts DESC, id ASC)\n  AND default_time_to_live = 86400\n  AND CUSTOM_PROPERTIES = {'ttl': {'status': 'enabled'}}",
    );
    const latest = tableCql(c, TABLES.find((t) => t.name === "latest_ticks")!);
    expect(latest).toContain("CUSTOM_PROPERTIES = {'client_side_timestamps': {'status': 'enabled'}}");
    expect(latest).not.toContain("ttl");
    // No TTL configured: no TTL option at all (Keyspaces turns TTL on for good once set).
    const noTtl = schemaStatements(keyspaces()).join("\n");
    expect(noTtl).not.toContain("default_time_to_live");
    expect(noTtl).not.toContain("'ttl'");
    // The same columns and keys as on Cassandra.
    const onCassandra = loadConfig({ env: {} }).config;
    for (const t of TABLES) expect(tableCql(c, t).split(" WITH ")[0]).toBe(tableCql(onCassandra, t).split(" WITH ")[0]);
  });
});
