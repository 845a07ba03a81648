import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RateLimiter, signature } from "../../../src/notify/deliver";

describe("delivery", () => {
  it("signs the timestamp and the body with HMAC-SHA256, as the receiver checks it", () => {
    const body = '{"type":"stockpipe.alerts"}';
    const header = signature("s3cret", 1704205800, body);
    expect(header).toBe(`t=1704205800,v1=${createHmac("sha256", "s3cret").update(`1704205800.${body}`).digest("hex")}`);
    expect(signature("other", 1704205800, body)).not.toBe(header);
  });

  it("lets a burst of the rate through and then one message per 60/rate seconds", async () => {
    const limiter = new RateLimiter(600);
    const t0 = performance.now();
    for (let i = 0; i < 602; i++) await limiter.take();
    // 600 at once, the next two 100 ms apart.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(180);
  });
});
