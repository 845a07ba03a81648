import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { fields } from "../../../src/config/fields";
import { loadConfig } from "../../../src/config/loader";
import { configSecrets, redactSecrets, showConfig, shownConfig } from "../../../src/config/redact";

const MARK = "Zq9MARKERsecret";

/** A config with the marker in every field that can carry a secret, and in every variable such a field names. */
function planted() {
  const env: Record<string, string> = {
    SP_SLACK_URL: `https://hooks.slack.com/services/T000/B000/${MARK}1`,
    SP_HOOK_SECRET: `${MARK}2`,
    SP_SMTP_PASSWORD: `${MARK}3`,
    SP_ALPACA_KEY: `${MARK}4`,
    SP_ALPACA_SECRET: `${MARK}5`,
    SP_FINNHUB_TOKEN: `${MARK}6`,
  };
  const yaml = {
    kafka: {
      sasl: {
        mechanism: "oauthbearer",
        username: "u",
        password: `${MARK}7`,
        oauth: { tokenEndpoint: `https://idp.example.com/token?client_key=${MARK}8`, clientId: "c", clientSecret: `${MARK}9` },
      },
    },
    cassandra: { username: "u", password: `${MARK}10` },
    s3: { endpoint: `https://user:${MARK}11@s3.example.com`, accessKeyId: "AKIA", secretAccessKey: `${MARK}12`, sessionToken: `${MARK}13` },
    athena: {
      endpoint: `https://athena.example.com/?X-Amz-Security-Token=${MARK}14`,
      glueEndpoint: `https://u:${MARK}15@glue.example.com`,
    },
    dashboard: { token: `${MARK}16-long-enough`, url: `https://dash.example.com/?token=${MARK}17` },
    local: { oauth: { jwksUrl: `https://idp.example.com/jwks?key=${MARK}18` } },
    sources: [
      { kind: "coinbase", url: `wss://quotes.example.com/q?apikey=${MARK}19`, symbols: ["BTC-USD"] },
      { kind: "ws", url: `wss://feed.example.com/stream?token=${MARK}20`, map: { price: "p", ts: "t", symbol: "s" } },
      { kind: "alpaca", symbols: ["AAPL"], keyEnv: "SP_ALPACA_KEY", secretEnv: "SP_ALPACA_SECRET" },
      { kind: "finnhub", symbols: ["AAPL"], tokenEnv: "SP_FINNHUB_TOKEN" },
    ],
    notify: {
      destinations: {
        slack: { kind: "slack", urlEnv: "SP_SLACK_URL" },
        hook: { kind: "webhook", url: `https://hooks.example.com/in/${MARK}21`, secretEnv: "SP_HOOK_SECRET" },
        mail: { kind: "email", host: "smtp.example.com", user: "u", passwordEnv: "SP_SMTP_PASSWORD", from: "a@b.c", to: ["d@e.f"] },
      },
      routes: [{ to: ["slack", "hook", "mail"] }],
    },
  };
  const dir = mkdtempSync(join(tmpdir(), "stockpipe-secrets-"));
  writeFileSync(join(dir, "stockpipe.yaml"), YAML.stringify(yaml));
  return { loaded: loadConfig({ cwd: dir, env: {} }), env, count: 21 };
}

describe("secrets kept out of output by the rule each field declares", () => {
  it("plants a marker in every secret-bearing field: config show (table and JSON) never prints one", () => {
    const { loaded } = planted();
    const rows = showConfig(loaded);
    expect(JSON.stringify(rows)).not.toContain(MARK);
    expect(JSON.stringify(shownConfig(loaded))).not.toContain(MARK);
    // What may be shown still is: the hosts, the names of the variables, a webhook's host without its path.
    const value = (path: string) => rows.find((r) => r.path === path)?.value;
    expect(value("kafka.sasl.password")).toBe("***");
    expect(value("s3.endpoint")).toBe("https://user:***@s3.example.com/");
    expect(value("kafka.sasl.oauth.tokenEndpoint")).toBe("https://idp.example.com/token?client_key=***");
    expect(value("notify.destinations")).toMatchObject({
      slack: { kind: "slack", urlEnv: "SP_SLACK_URL" },
      hook: { kind: "webhook", url: "https://hooks.example.com/***", secretEnv: "SP_HOOK_SECRET" },
    });
    expect((value("sources") as { url?: string }[]).map((s) => s.url)).toEqual([
      "wss://quotes.example.com/q?apikey=***",
      "wss://feed.example.com/stream?token=***",
      undefined,
      undefined,
    ]);
  });

  it("every secret of the config and of the variables it names is masked in any text (errors, logs, headers)", () => {
    const { loaded, env, count } = planted();
    const secrets = configSecrets(loaded, env);
    for (let i = 1; i <= count; i++)
      expect(
        secrets.some((s) => s.includes(`${MARK}${i}`)),
        `secret ${i}`,
      ).toBe(true);
    const text = secrets.map((s, i) => `line ${i}: failed with ${s} (while posting)`).join("\n");
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(redactSecrets(text, loaded)).not.toContain(MARK);
      expect(redactSecrets(`POST https://hooks.slack.com/services/T000/B000/${MARK}1 answered 500`, loaded)).toBe("POST *** answered 500");
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    }
  });

  it("every top-level field that names a secret in its description declares a rule", () => {
    for (const f of fields()) if (/\(.*secret\)|; secret\)/.test(f.description)) expect(f.secret, f.path).toBe("value");
    expect(
      fields()
        .filter((f) => f.secret === "value")
        .map((f) => f.path),
    ).toEqual([
      "kafka.sasl.password",
      "kafka.sasl.oauth.clientSecret",
      "cassandra.password",
      "s3.secretAccessKey",
      "s3.sessionToken",
      "dashboard.token",
    ]);
  });
});
