/** The config's destinations as endpoints: addresses and secrets read from the environment, never printed. */
import { ConfigError } from "../errors";
import { type Destination, type HttpKind, shownUrl } from "./types";

export type DestinationSpec =
  | { kind: HttpKind; urlEnv?: string; url?: string; secretEnv?: string; ratePerMinute?: number }
  | {
      kind: "email";
      host: string;
      port: number;
      user?: string;
      passwordEnv?: string;
      from: string;
      to: string[];
      caFile?: string;
      ratePerMinute?: number;
    };

/** Chat webhooks take about one message a second; a destination without its own limit gets this. */
const CHAT_RATE_PER_MINUTE = 30;

export function resolveDestinations(specs: Record<string, DestinationSpec>, env: NodeJS.ProcessEnv = process.env): Destination[] {
  return Object.entries(specs).map(([name, s]): Destination => {
    const field = (f: string) => `notify.destinations.${name}.${f}`;
    if (s.kind === "email") {
      const password = s.passwordEnv ? env[s.passwordEnv] : undefined;
      if (s.passwordEnv && !password)
        throw new ConfigError(`${field("passwordEnv")} ${s.passwordEnv}: that environment variable is not set`, []);
      return {
        name,
        kind: "email",
        host: s.host,
        port: s.port,
        user: s.user,
        password,
        passwordEnv: s.passwordEnv,
        from: s.from,
        to: s.to,
        caFile: s.caFile,
        shownUrl: `smtp://${s.host}:${s.port}`,
        ratePerMinute: s.ratePerMinute ?? CHAT_RATE_PER_MINUTE,
      };
    }
    let url = s.url;
    if (s.urlEnv) {
      url = env[s.urlEnv];
      if (!url)
        throw new ConfigError(
          `${field("urlEnv")} ${s.urlEnv}: that environment variable is not set (it holds the ${s.kind} webhook's address)`,
          [],
        );
    }
    try {
      const u = new URL(url!);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(u.protocol);
    } catch {
      throw new ConfigError(`${field(s.urlEnv ? "urlEnv" : "url")}: the address of ${name} is not an http(s) URL`, []);
    }
    let secret: string | undefined;
    if (s.secretEnv) {
      secret = env[s.secretEnv];
      if (!secret) throw new ConfigError(`${field("secretEnv")} ${s.secretEnv}: that environment variable is not set`, []);
    }
    return {
      name,
      kind: s.kind,
      url: url!,
      shownUrl: shownUrl(url!),
      secret,
      ratePerMinute: s.ratePerMinute ?? (s.kind === "webhook" ? undefined : CHAT_RATE_PER_MINUTE),
    };
  });
}
