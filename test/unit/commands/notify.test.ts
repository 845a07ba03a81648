import { describe, expect, it } from "vitest";
import { deliveryHint } from "../../../src/commands/notify";

describe("the fix notify test suggests for a failed delivery", () => {
  it("tells a failing service from a wrong address or token", () => {
    expect(deliveryHint("desk still failing after 3 attempts in 14 s: HTTP 503 Service Unavailable")).toMatch(
      /failing or busy on its side/,
    );
    expect(deliveryHint("desk still failing after 3 attempts in 14 s: HTTP 429 Too Many Requests")).toMatch(/busy/);
    expect(deliveryHint("desk refused it: HTTP 403 Forbidden: invalid_token")).toMatch(/credentials/);
    expect(deliveryHint("desk refused it: HTTP 404 Not Found: no_service")).toMatch(/no such webhook/);
    expect(deliveryHint("desk still failing after 2 attempts in 15 s: connect ECONNREFUSED 127.0.0.1:1")).toMatch(/can reach it/);
  });
});
