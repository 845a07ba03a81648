/** `stockpipe topic …` and `stockpipe doctor` against the real local Kafka. */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { stockpipe, uniqueName } from "../helpers";

describe("stockpipe topic", () => {
  it("shows a group's lag on every topic it has offsets for when no topic is named", async () => {
    const [a, b] = [uniqueName("test-lag-a"), uniqueName("test-lag-b")];
    for (const t of [a, b]) expect((await stockpipe(["topic", "create", t, "-p", "2"])).code).toBe(0);
    expect(
      (await stockpipe(["produce", "--source", "synthetic", "--symbols", "AAPL", "--seed", "1", "--limit", "10", "--topic", a])).code,
    ).toBe(0);
    const group = uniqueName("test-lag-g");
    const kafka = new kafkajs.Kafka({ brokers: ["127.0.0.1:9092"], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: group,
      topic: a,
      partitions: [
        { partition: 0, offset: "0" },
        { partition: 1, offset: "0" },
      ],
    });
    await admin.disconnect();
    const r = await stockpipe(["topic", "lag", "-g", group, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { topic: string; partition: number; lag: number }[];
    expect(rows.map((x) => [x.topic, x.partition])).toEqual([
      [a, 0],
      [a, 1],
    ]);
    expect(rows.reduce((n, x) => n + x.lag, 0)).toBe(10);
    const none = await stockpipe(["topic", "lag", "-g", uniqueName("test-lag-none"), "-f", "json"]);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    expect(none.stderr).toContain("has no committed offsets");
    for (const t of [a, b]) await stockpipe(["topic", "delete", t, "--yes"]);
  });

  it("creates, describes, lists and deletes a topic", async () => {
    const name = uniqueName("test-topic");
    const created = await stockpipe([
      "topic",
      "create",
      name,
      "-p",
      "3",
      "--topic-config",
      "retention.ms=3600000",
      "--topic-config",
      "cleanup.policy=delete",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`created topic ${name} (3 partitions, replication 1)`);

    const described = await stockpipe(["topic", "describe", name, "-f", "json"]);
    expect(described.code, described.stderr).toBe(0);
    const d = JSON.parse(described.stdout);
    expect(d.topic).toBe(name);
    expect(d.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    for (const p of d.partitions) expect(p).toMatchObject({ leader: 1, replicas: [1], isr: [1], earliest: "0", latest: "0" });
    expect(d.configs["retention.ms"]).toBe("3600000");

    const listed = await stockpipe(["topic", "list", "-f", "json"]);
    expect(JSON.parse(listed.stdout)).toContainEqual({ topic: name, partitions: 3, replicationFactor: 1, messages: 0 });

    const again = await stockpipe(["topic", "create", name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`topic ${name} already exists — pass --if-not-exists`);
    // One outcome per run: no ✔ before the error.
    expect(again.stderr).not.toContain("✔");
    const tolerated = await stockpipe(["topic", "create", name, "--if-not-exists"]);
    expect(tolerated.code).toBe(0);

    const unconfirmed = await stockpipe(["topic", "delete", name]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("pass --yes");

    const deleted = await stockpipe(["topic", "delete", name, "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await stockpipe(["topic", "describe", name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`topic ${name} does not exist`);
  });

  it("deletes several topics at once, by name and by prefix, and names the topic a typo probably meant", async () => {
    const prefix = `${uniqueName("test-many")}-`;
    const names = ["alpha", "beta", "gamma", "gamma.dlq"].map((x) => `${prefix}${x}`);
    for (const t of names) expect((await stockpipe(["topic", "create", t, "-p", "1"])).code).toBe(0);
    const typo = `${prefix}alhpa`;
    const missing = await stockpipe(["topic", "describe", typo]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`topic ${typo} does not exist — did you mean ${names[0]}?`);
    const lag = await stockpipe(["topic", "lag", typo, "-g", "nobody"]);
    expect(lag.code).toBe(1);
    expect(lag.stderr).toContain(`topic ${typo} does not exist — did you mean ${names[0]}?`);
    expect(lag.stderr).not.toContain("UNKNOWN_TOPIC");

    const unconfirmed = await stockpipe(["topic", "delete", "--prefix", prefix]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("refusing to delete 4 topics without confirmation");
    const two = await stockpipe(["topic", "delete", names[0]!, names[1]!, "--yes"]);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toContain(`deleted 2 topics: ${names[0]}, ${names[1]}`);
    const rest = await stockpipe(["topic", "delete", "--prefix", prefix, "--yes"]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stderr).toContain(`deleted 2 topics: ${names[2]}, ${names[3]}`);
    const listed = JSON.parse((await stockpipe(["topic", "list", "-f", "json"])).stdout) as { topic: string }[];
    expect(listed.filter((t) => t.topic.startsWith(prefix))).toEqual([]);
    const none = await stockpipe(["topic", "delete", "--prefix", prefix, "--yes"]);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("nothing deleted");
  });

  it("takes the topic, partitions and replication from config when not given", async () => {
    const name = uniqueName("test-cfg");
    const r = await stockpipe(["topic", "create"], { env: { STOCKPIPE_KAFKA_TOPIC: name, STOCKPIPE_KAFKA_PARTITIONS: "2" } });
    expect(r.code, r.stderr).toBe(0);
    const described = await stockpipe(["topic", "describe", name, "-f", "json"]);
    expect(described.code, described.stderr).toBe(0);
    const d = JSON.parse(described.stdout);
    expect(d.partitions).toHaveLength(2);
    await stockpipe(["topic", "delete", name, "--yes"]);
  });

  it("rejects a bad topic config with Kafka's reason", async () => {
    const r = await stockpipe(["topic", "create", uniqueName("test-bad"), "--topic-config", "retention.ms=soon"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Kafka refused to create topic .*Configuration is invalid \(INVALID_CONFIG\) — check the --topic-config entries/,
    );
  });

  it("says in one line that an unreachable broker cannot be reached", async () => {
    const started = Date.now();
    const r = await stockpipe(["topic", "list", "-b", "127.0.0.1:1"]);
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toEqual([
      expect.stringMatching(/^error: cannot reach Kafka at 127\.0\.0\.1:1 \(kafka\.brokers from flag --brokers\) .*stockpipe local up/),
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe("stockpipe group and lake delete: what a tour leaves behind", () => {
  it("lists and deletes consumer groups by name and prefix, and a lake prefix's files", async () => {
    const base = uniqueName("test-leftover");
    expect((await stockpipe(["topic", "create", base, "-p", "2"])).code).toBe(0);
    const sent = await stockpipe([
      "produce",
      "--source",
      "synthetic",
      "--symbols",
      "AAPL,MSFT",
      "--seed",
      "5",
      "--limit",
      "40",
      "--topic",
      base,
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    const env = { STOCKPIPE_KAFKA_TOPIC: base, STOCKPIPE_S3_PREFIX: base };
    for (const g of ["a", "b"]) {
      const c = await stockpipe(["consume", "--sink", "s3", "-g", `${base}-${g}`, "--from", "earliest", "--exit-at-end"], { env });
      expect(c.code, c.stderr).toBe(0);
    }
    const listed = JSON.parse((await stockpipe(["group", "list", "--prefix", base, "-f", "json"])).stdout);
    expect(listed).toEqual([
      { group: `${base}-a`, state: "Empty", members: 0 },
      { group: `${base}-b`, state: "Empty", members: 0 },
    ]);
    const typo = await stockpipe(["group", "delete", `${base}-c`, "--yes"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/consumer group \S+-c does not exist — did you mean \S+-[ab]\?/);
    const unconfirmed = await stockpipe(["group", "delete", "--prefix", base]);
    expect(unconfirmed.code).toBe(2);
    const deleted = await stockpipe(["group", "delete", "--prefix", base, "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain(`deleted 2 groups: ${base}-a, ${base}-b`);
    expect(JSON.parse((await stockpipe(["group", "list", "--prefix", base, "-f", "json"])).stdout)).toEqual([]);

    const before = await stockpipe(["query", "--engine", "local", "SELECT count(*) AS n FROM ticks", "-f", "json"], { env });
    expect(JSON.parse(before.stdout)).toEqual([{ n: 40 }]);
    const lake = await stockpipe(["lake", "delete", "--prefix", base, "--yes"]);
    expect(lake.code, lake.stderr).toBe(0);
    expect(lake.stderr).toMatch(new RegExp(`deleted \\d+ files under s3://stockpipe/${base}/`));
    const again = await stockpipe(["lake", "delete", "--prefix", base, "--yes"]);
    expect(again.stderr).toContain("nothing to delete");
    await stockpipe(["topic", "delete", "--prefix", base, "--yes"]);
  });
});

describe("stockpipe doctor", () => {
  it("passes against the local stack", async () => {
    const r = await stockpipe(["doctor", "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { check: string; status: string }) => [x.check, x.status])).toEqual([
      ["kafka", "ok"],
      ["cassandra", "ok"],
      ["s3", "ok"],
    ]);
    expect(rows[1].version).toMatch(/^Cassandra 5\.0\./);
  });

  it("fails with the fix for each endpoint that does not answer", async () => {
    const r = await stockpipe(["doctor", "-f", "json"], {
      env: { STOCKPIPE_KAFKA_BROKERS: "127.0.0.1:1", STOCKPIPE_S3_BUCKET: "no-such-bucket-here" },
    });
    expect(r.code).toBe(1);
    const rows = JSON.parse(r.stdout);
    expect(rows[0]).toMatchObject({ check: "kafka", status: "FAIL" });
    expect(rows[0].fix).toContain(
      "no Kafka at 127.0.0.1:1 (kafka.brokers from env STOCKPIPE_KAFKA_BROKERS): run `stockpipe local up` or set STOCKPIPE_KAFKA_BROKERS",
    );
    expect(rows[1]).toMatchObject({ check: "cassandra", status: "ok" });
    expect(rows[2]).toMatchObject({ check: "s3", status: "FAIL", version: "bucket no-such-bucket-here does not exist" });
  });
});
