/** Every stockpipe.yaml recipe in docs/deployment.md "On AWS and Confluent Cloud" is a valid config. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/loader";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const doc = readFileSync(join(ROOT, "docs", "deployment.md"), "utf8");
const section = doc.slice(doc.indexOf("## On AWS and Confluent Cloud"), doc.indexOf("## Scale out"));
const recipes = [...section.matchAll(/### (.+)\n[\s\S]*?```yaml\n([\s\S]*?)```/g)].map((m) => ({ title: m[1]!, yaml: m[2]! }));
/** The secrets the recipes leave to the environment. */
const secrets = { STOCKPIPE_KAFKA_SASL_OAUTH_CLIENT_SECRET: "from-the-environment" };

describe("the deployment recipes", () => {
  it("are four: MSK with IAM, Confluent Cloud, an EC2 host with an instance role, Keyspaces", () => {
    expect(recipes.map((r) => r.title)).toEqual([
      "Amazon MSK with IAM access control",
      "Confluent Cloud, or any Kafka with OAuth (OIDC)",
      "An EC2 host with an instance role",
      "Amazon Keyspaces",
    ]);
  });

  it.each(recipes)("$title loads as a valid config", ({ yaml }) => {
    const dir = mkdtempSync(join(tmpdir(), "sp-recipe-"));
    try {
      const file = join(dir, "stockpipe.yaml");
      writeFileSync(file, yaml);
      const { config } = loadConfig({ configFile: file, env: secrets });
      expect(config).toBeTruthy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("say what each relies on: the MSK and EC2 recipes sign with IAM, the OAuth one has its client", () => {
    const load = (i: number) => {
      const dir = mkdtempSync(join(tmpdir(), "sp-recipe-"));
      writeFileSync(join(dir, "stockpipe.yaml"), recipes[i]!.yaml);
      const { config } = loadConfig({ configFile: join(dir, "stockpipe.yaml"), env: secrets });
      rmSync(dir, { recursive: true, force: true });
      return config;
    };
    expect(load(0).kafka.sasl.mechanism).toBe("aws-msk-iam");
    expect(load(1).kafka.sasl.oauth).toMatchObject({ clientId: "stockpipe-prod", extensions: { logicalCluster: "lkc-12345" } });
    const ec2 = load(2);
    expect([ec2.s3.accessKeyId, ec2.cassandra.flavor, ec2.kafka.sasl.mechanism]).toEqual([undefined, "keyspaces", "aws-msk-iam"]);
    expect(load(3).cassandra).toMatchObject({ flavor: "keyspaces", region: "eu-west-1", ttlSeconds: 7776000 });
  });
});
