import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { getJson, jitter, retryAfterMs } from "../../../src/util/rest";

/** A local HTTP server answering each request with the next of `answers` (the last one again once they run out). */
async function serve(answers: ((res: ServerResponse, req: IncomingMessage) => void)[]) {
  const seen: { url: string; at: number; headers: IncomingMessage["headers"] }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", at: Date.now(), headers: req.headers });
    answers[Math.min(seen.length - 1, answers.length - 1)]!(res, req);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

describe("getJson", () => {
  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2024-01-02T14:30:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("0.5", now)).toBe(500);
    expect(retryAfterMs("Tue, 02 Jan 2024 14:30:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("jitters a wait by a quarter either way", () => {
    expect(jitter(1000, () => 0)).toBe(750);
    expect(jitter(1000, () => 0.999999)).toBe(1250);
  });

  it("waits as long as a 429's Retry-After says, then returns the JSON", async () => {
    const s = await serve([json(429, { code: -1003 }, { "retry-after": "1" }), json(200, [{ id: 1 }])]);
    let calls = 0;
    const retries: number[] = [];
    const answer = await getJson(`${s.url}/trades`, {
      deadline: Date.now() + 10_000,
      onCall: () => calls++,
      onRetry: (_reason, ms) => retries.push(ms),
      headers: { "x-key": "k" },
    });
    expect(answer).toMatchObject({ ok: true, status: 200, body: [{ id: 1 }] });
    expect(calls).toBe(2);
    expect(retries).toEqual([1000]);
    expect(s.seen[1]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(990);
    expect(s.seen[0]!.headers["x-key"]).toBe("k");
  });

  it("backs off on 5xx, doubling, and gives up with the last reason when the next wait would pass the deadline", async () => {
    const s = await serve([json(503, { message: "down" })]);
    const retries: number[] = [];
    const answer = await getJson(s.url, { deadline: Date.now() + 1000, backoffMs: 100, onRetry: (_r, ms) => retries.push(ms) });
    expect(answer).toEqual({ ok: false, reason: 'HTTP 503 Service Unavailable: {"message":"down"}' });
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const [i, ms] of retries.entries()) {
      expect(ms).toBeGreaterThanOrEqual(75 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(125 * 2 ** i);
    }
    expect(s.seen.length).toBe(retries.length + 1);
  });

  it("does not retry a 4xx other than 408 and 429, nor an answer that is not JSON", async () => {
    const refused = await serve([json(400, { code: -1121, msg: "Invalid symbol." })]);
    expect(await getJson(refused.url, { deadline: Date.now() + 10_000 })).toEqual({
      ok: false,
      reason: 'HTTP 400 Bad Request: {"code":-1121,"msg":"Invalid symbol."}',
    });
    expect(refused.seen.length).toBe(1);
    const html = await serve([(res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>")]);
    expect(await getJson(html.url, { deadline: Date.now() + 10_000 })).toEqual({
      ok: false,
      reason: "HTTP 200 with a body that is not JSON",
    });
  });

  it("tries again when nothing answers, and stops at once when aborted", async () => {
    const closed = await serve([json(200, [])]);
    const url = closed.url;
    await new Promise((r) => servers.pop()!.close(r));
    const gone = await getJson(url, { deadline: Date.now() + 300, backoffMs: 100 });
    expect(gone).toMatchObject({ ok: false, reason: expect.stringMatching(/^no answer \(ECONNREFUSED\)$/) });
    const s = await serve([json(503, {})]);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    expect(await getJson(s.url, { deadline: Date.now() + 60_000, backoffMs: 5_000, signal: stop.signal })).toEqual({
      ok: false,
      reason: "stopped",
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
