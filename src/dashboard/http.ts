/**
 * The dashboard's HTTP side: the page's files (read once), the token check, and the routes. What a route
 * answers comes from the hub; the paths are the wire protocol's (page/protocol.js).
 */
import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { errorMessage } from "../errors";
import { isMetricsPath, type Metrics } from "../metrics/metrics";
import { packageRoot } from "../util/packageRoot";
import type { Hub } from "./hub";
import { PAGE_FILES, PATHS } from "./page/protocol.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The page's files by path, read once: the package's dist/page (the build copies src/dashboard/page there), or
 * the sources when run unbuilt; the chart library from its npm package.
 */
export function loadAssets(): Map<string, Asset> {
  const root = packageRoot();
  const dir = existsSync(join(root, "dist", "page", "index.html")) ? join(root, "dist", "page") : join(root, "src", "dashboard", "page");
  const out = new Map<string, Asset>();
  for (const file of PAGE_FILES)
    out.set(file === "index.html" ? "/" : `/${file}`, {
      type: TYPES[file.slice(file.lastIndexOf("."))]!,
      body: readFileSync(join(dir, file)),
    });
  const require = createRequire(join(root, "package.json"));
  const chart = join(dirname(require.resolve("lightweight-charts/package.json")), "dist", "lightweight-charts.standalone.production.js");
  out.set("/vendor/lightweight-charts.js", { type: TYPES[".js"]!, body: readFileSync(chart) });
  return out;
}

/** Loopback addresses serve without a token; any other needs one. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get("token");
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7);
  const cookie = /(?:^|;\s*)stockpipe_token=([^;]+)/.exec(req.headers.cookie ?? "");
  return cookie?.[1];
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Routes {
  assets: Map<string, Asset>;
  hub: Hub;
  metrics: Metrics;
  /** Required by every request when set. */
  token?: string;
}

/** The request handler: token, method, then the route. */
export function handler(r: Routes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (r.token !== undefined) {
      const given = tokenOf(req, url);
      if (given === undefined || !same(given, r.token)) {
        res
          .writeHead(401, { "content-type": "text/plain; charset=utf-8" })
          .end("stockpipe dashboard: open the address with ?token=… that `stockpipe dashboard` printed\n");
        return;
      }
    }
    const headers: Record<string, string> = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
    // The token given in the address is kept in a cookie, so the page's own requests carry it.
    if (r.token !== undefined && url.searchParams.has("token"))
      headers["set-cookie"] = `stockpipe_token=${r.token}; HttpOnly; SameSite=Strict; Path=/`;
    if (req.method !== "GET") {
      res.writeHead(405, { ...headers, "content-type": "text/plain" }).end("only GET\n");
      return;
    }
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(body));
    if (isMetricsPath(req.url)) {
      r.metrics.text().then(
        (text) => res.writeHead(200, { ...headers, "content-type": r.metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, headers).end(err.message),
      );
      return;
    }
    const asset = r.assets.get(url.pathname);
    if (asset) {
      res.writeHead(200, { ...headers, "content-type": asset.type }).end(asset.body);
      return;
    }
    switch (url.pathname) {
      case PATHS.events:
        res.writeHead(200, { ...headers, "content-type": "text/event-stream", connection: "keep-alive" });
        r.hub.join(res, typeof req.headers["last-event-id"] === "string" ? req.headers["last-event-id"] : undefined);
        req.on("close", () => r.hub.leave(res));
        return;
      case PATHS.bars:
        r.hub.history(url.searchParams.get("symbol") ?? "").then(
          (h) => json(200, h),
          (err) => json(500, { error: errorMessage(err) }),
        );
        return;
      case PATHS.health:
        json(200, r.hub.healthNow());
        return;
      default:
        res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found\n");
    }
  };
}
