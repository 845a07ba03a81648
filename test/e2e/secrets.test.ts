/**
 * Secrets never reach output: a marker planted in every secret-bearing field and in every variable such a field
 * names, then everything the commands that show config, check endpoints or fail on them print is searched for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { stockpipe } from "../helpers";

const MARK = "Zq9MARKERsecret";

describe("secrets in output", () => {
  const dir = mkdtempSync(join(tmpdir(), "stockpipe-secrets-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    SP_SLACK_URL: `http://127.0.0.1:1/services/T000/B000/${MARK}1`,
    SP_HOOK_SECRET: `${MARK}2`,
    SP_SMTP_PASSWORD: `${MARK}3`,
  };
  writeFileSync(
    join(dir, "stockpipe.yaml"),
    YAML.stringify({
      kafka: { sasl: { mechanism: "plain", username: "u", password: `${MARK}4` } },
      cassandra: { username: "u", password: `${MARK}5` },
      s3: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: `${MARK}6` },
      dashboard: { token: `${MARK}7-long-enough`, url: `https://dash.example.com/?token=${MARK}8` },
      sources: [{ kind: "coinbase", url: `ws://127.0.0.1:1/feed?token=${MARK}9`, symbols: ["BTC-USD"] }],
      notify: {
        destinations: {
          slack: { kind: "slack", urlEnv: "SP_SLACK_URL" },
          hook: { kind: "webhook", url: `http://127.0.0.1:1/in/${MARK}10`, secretEnv: "SP_HOOK_SECRET" },
          mail: { kind: "email", host: "127.0.0.1", port: 1, user: "u", passwordEnv: "SP_SMTP_PASSWORD", from: "a@b.c", to: ["d@e.f"] },
        },
        routes: [{ to: ["slack", "hook", "mail"] }],
      },
    }),
  );

  for (const args of [
    ["config", "show"],
    ["config", "show", "-f", "json"],
    ["doctor", "--log-level", "debug"],
    ["notify", "test", "hook", "--log-level", "debug"],
    ["notify", "test", "slack", "--log-level", "debug"],
    ["notify", "test", "mail", "--log-level", "debug"],
  ]) {
    it(`stockpipe ${args.join(" ")} prints no secret`, async () => {
      const r = await stockpipe(args, { cwd: dir, env, timeoutMs: 120_000 });
      expect(r.stdout + r.stderr).not.toContain(MARK);
      // It did print something about the fields: the check is not passing on an empty output.
      expect((r.stdout + r.stderr).length, r.stderr).toBeGreaterThan(40);
    });
  }
});
