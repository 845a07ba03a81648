/**
 * A local HTTP server standing in for the destinations notify delivers to — Slack's, Teams' and Discord's webhooks
 * and a generic one — one path each. It records every request and answers as the test scripts it: 200 by
 * default, or a queue of answers per path (a 429 with Retry-After, 500s, a 404), as the real services do.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
  /** What it was answered. */
  status: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer this much later (a slow destination). */
  delayMs?: number;
}

export class HookServer {
  readonly received: Received[] = [];
  /** Answers per path, used in order; when none is left, `fallback` of the path, else 200. */
  private readonly scripted = new Map<string, Answer[]>();
  private readonly fallback = new Map<string, Answer>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HookServer> {
    let hooks: HookServer | undefined;
    const server = createServer((req, res) => {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (d) => (raw += d));
      req.on("end", () => {
        const path = req.url ?? "/";
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        const answer = hooks!.scripted.get(path)?.shift() ?? hooks!.fallback.get(path) ?? { status: 200, body: "ok" };
        hooks!.received.push({ path, headers: req.headers, raw, body, at: Date.now(), status: answer.status });
        setTimeout(() => {
          res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
          res.end(answer.body ?? "");
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    hooks = new HookServer(server);
    return hooks;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** The next answers of a path, in order. */
  script(path: string, ...answers: Answer[]): void {
    this.scripted.set(path, [...(this.scripted.get(path) ?? []), ...answers]);
  }

  /** What a path answers once its script is used up. */
  always(path: string, answer: Answer | undefined): void {
    if (answer) this.fallback.set(path, answer);
    else this.fallback.delete(path);
  }

  /** The requests of a path (every attempt, whatever was answered). */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The requests of a path it took (answered 2xx). */
  delivered(path: string): Received[] {
    return this.at(path).filter((r) => r.status < 300);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
