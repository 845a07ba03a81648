import { describe, expect, it } from "vitest";
import { ConfigError, ExitCode } from "../../../src/errors";
import { resolveDestinations } from "../../../src/notify/registry";

describe("notify destinations from the config", () => {
  it("reads addresses and secrets from the variables named, and shows only the host", () => {
    const [d] = resolveDestinations(
      { desk: { kind: "slack", urlEnv: "SLACK_URL", secretEnv: "SIGN" } },
      { SLACK_URL: "https://hooks.slack.com/services/T0/B0/xyz", SIGN: "s3cret" },
    );
    expect(d).toMatchObject({ name: "desk", kind: "slack", url: "https://hooks.slack.com/services/T0/B0/xyz", secret: "s3cret" });
    expect(d!.shownUrl).toBe("https://hooks.slack.com/…");
  });

  it.each([
    [{ desk: { kind: "slack" as const, urlEnv: "NOPE" } }, "notify.destinations.desk.urlEnv NOPE: that environment variable is not set"],
    [{ desk: { kind: "webhook" as const, url: "ftp://x" } }, "notify.destinations.desk.url: the address of desk is not an http(s) URL"],
    [
      { m: { kind: "email" as const, host: "h", port: 25, from: "a@b.c", to: ["d@e.f"], passwordEnv: "NOPE" } },
      "notify.destinations.m.passwordEnv NOPE: that environment variable is not set",
    ],
  ])("a destination the config cannot make is a configuration error (exit 3): %j", (spec, message) => {
    let error: unknown;
    try {
      resolveDestinations(spec, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.config);
    expect((error as Error).message).toContain(message);
  });
});
