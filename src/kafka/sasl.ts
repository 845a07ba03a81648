/**
 * SASL for kafkajs from config: a password (PLAIN, SCRAM), or OAUTHBEARER tokens — from an OIDC token endpoint
 * with the client-credentials grant (Confluent Cloud, Keycloak, Okta, Entra ID …), or signed by AWS's MSK IAM
 * signer with the AWS default credential chain (Amazon MSK with IAM access control).
 *
 * Tokens are kept and handed out until they near their end, then fetched anew (one request at a time): kafkajs
 * asks for one on every connection and again when a broker-announced session nears its end (its re-authentication,
 * 10 s ahead), so a token must outlive that margin.
 */
import kafkajs, { type Mechanism, type SASLOptions } from "kafkajs";
import type { ResolvedConfig } from "../config/schema";
import { errorMessage, RuntimeError } from "../errors";
import { log } from "../log";
import { defaultCredentials } from "../util/aws";

export interface Token {
  value: string;
  /** When it stops being valid, ms since the epoch. */
  expiresAt: number;
  extensions?: Record<string, string>;
}

/** Fetch anew once 80% of a token's life has passed, or when fewer than 30 s remain. */
export function needsRefresh(token: Token, fetchedAt: number, now: number): boolean {
  const life = token.expiresAt - fetchedAt;
  return now >= fetchedAt + 0.8 * life || token.expiresAt - now < 30_000;
}

/** A token kept until it needs refreshing; concurrent callers share one fetch. */
export class RefreshingToken {
  private current?: { token: Token; fetchedAt: number };
  private pending?: Promise<Token>;
  /** How many tokens were fetched (tests and the debug log). */
  fetched = 0;

  constructor(
    private readonly fetchToken: () => Promise<Token>,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Token> {
    const c = this.current;
    if (c && !needsRefresh(c.token, c.fetchedAt, this.now())) return Promise.resolve(c.token);
    this.pending ??= this.fetchToken()
      .then((token) => {
        this.fetched++;
        this.current = { token, fetchedAt: this.now() };
        log.debug(`SASL token ${this.fetched} fetched, valid until ${new Date(token.expiresAt).toISOString()}`);
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

/** The `exp` claim of a JWT, in ms, when the token is one. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export interface OAuthClient {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  extensions?: Record<string, string>;
}

/**
 * A token from an OIDC endpoint by the client-credentials grant (RFC 6749 4.4): HTTP Basic client authentication,
 * as Kafka's own OAuthBearerLoginCallbackHandler sends it. Its end is `expires_in`, else the JWT's `exp`.
 */
export async function clientCredentialsToken(c: OAuthClient, now: () => number = Date.now): Promise<Token> {
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  if (c.scope) body.set("scope", c.scope);
  const asked = now();
  let res: Response;
  try {
    res = await fetch(c.tokenEndpoint, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new RuntimeError(`the OAuth token endpoint ${c.tokenEndpoint} did not answer: ${errorMessage(cause ?? err)}`, {
      hint: "check kafka.sasl.oauth.tokenEndpoint (STOCKPIPE_KAFKA_SASL_OAUTH_TOKEN_ENDPOINT) and that this host reaches it",
      retriable: true,
    });
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: said below.
  }
  if (!res.ok) {
    const why = [json.error, json.error_description].filter((x) => typeof x === "string").join(": ") || text.slice(0, 200);
    throw new RuntimeError(
      `the OAuth token endpoint ${c.tokenEndpoint} refused client ${c.clientId}: HTTP ${res.status}${why ? ` ${why}` : ""}`,
      {
        hint: "check kafka.sasl.oauth.clientId, clientSecret and scope (STOCKPIPE_KAFKA_SASL_OAUTH_*)",
        retriable: res.status >= 500 || res.status === 429,
      },
    );
  }
  const value = json.access_token;
  if (typeof value !== "string" || !value) {
    throw new RuntimeError(`the OAuth token endpoint ${c.tokenEndpoint} answered without an access_token: ${text.slice(0, 200)}`);
  }
  const expiresIn = typeof json.expires_in === "number" ? json.expires_in : Number(json.expires_in);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? asked + expiresIn * 1000 : (jwtExpiry(value) ?? asked + 3_600_000);
  return { value, expiresAt, ...(c.extensions && Object.keys(c.extensions).length ? { extensions: c.extensions } : {}) };
}

/** The AWS region of MSK brokers from their host names (b-1.x.y.c2.kafka.us-east-1.amazonaws.com). */
export function mskRegion(brokers: string[]): string | undefined {
  for (const b of brokers) {
    const m = /\.kafka(?:-serverless)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(b);
    if (m) return m[1];
  }
  return undefined;
}

/** An MSK IAM token: a presigned kafka-cluster:Connect request, signed with the default credential chain. */
export async function mskIamToken(region: string): Promise<Token> {
  const { generateAuthTokenFromCredentialsProvider } = await import("aws-msk-iam-sasl-signer-js");
  try {
    const t = await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: defaultCredentials() });
    return { value: t.token, expiresAt: t.expiryTime };
  } catch (err) {
    throw new RuntimeError(`no MSK IAM token: the AWS credential chain gave no credentials (${errorMessage(err)})`, {
      hint: "set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on a host with an instance or task role; `stockpipe doctor` says which source it finds",
    });
  }
}

/** One kept token per process and SASL config, shared by every client the process makes. */
const tokens = new Map<string, RefreshingToken>();

function tokenFor(config: ResolvedConfig): RefreshingToken {
  const k = config.kafka;
  const key = JSON.stringify([k.sasl, k.brokers]);
  let t = tokens.get(key);
  if (!t) {
    if (k.sasl.mechanism === "aws-msk-iam") {
      const region = awsRegion(config);
      t = new RefreshingToken(() => mskIamToken(region));
    } else {
      const o = k.sasl.oauth;
      const client: OAuthClient = {
        tokenEndpoint: o.tokenEndpoint ?? "",
        clientId: o.clientId ?? "",
        clientSecret: o.clientSecret ?? "",
        scope: o.scope,
        extensions: o.extensions,
      };
      t = new RefreshingToken(() => clientCredentialsToken(client));
    }
    tokens.set(key, t);
  }
  return t;
}

/** The MSK cluster's region: kafka.sasl.region, AWS_REGION, AWS_DEFAULT_REGION, else from the brokers' names. */
export function awsRegion(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): string {
  const region = config.kafka.sasl.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? mskRegion(config.kafka.brokers);
  if (!region) {
    throw new RuntimeError("kafka.sasl.mechanism aws-msk-iam needs the cluster's AWS region", {
      hint: "set kafka.sasl.region (STOCKPIPE_KAFKA_SASL_REGION) or AWS_REGION",
    });
  }
  return region;
}

/** A SASL message as kafkajs' SaslAuthenticate request carries it: BYTES, length first. */
function saslBytes(text: string) {
  const body = Buffer.from(text);
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return { encode: async () => out };
}

/**
 * SASL/OAUTHBEARER (RFC 7628) as Kafka's own client speaks it. kafkajs' built-in one ignores the server's reply:
 * a refused token comes back as an error challenge ({"status":"invalid_token"}) that the client must answer
 * with %x01, and kafkajs instead sent its next request, which the broker took for that answer and closed the
 * connection — the user saw "No brokers in the broker pool". This one reads the challenge, answers it, and fails
 * with what the broker said.
 */
export function oauthBearerMechanism(token: () => Promise<Token>): Mechanism {
  return {
    mechanism: "oauthbearer",
    authenticationProvider: ({ saslAuthenticate }) => ({
      async authenticate() {
        const t = await token();
        const ext = Object.entries(t.extensions ?? {}).map(([k, v]) => `\x01${k}=${v}`);
        const challenge = await saslAuthenticate<string>({
          request: saslBytes(`n,,\x01auth=Bearer ${t.value}${ext.join("")}\x01\x01`),
          response: { decode: async (raw: Buffer) => raw.subarray(4), parse: (data: Buffer) => data.toString("utf8") },
        });
        if (!challenge) return;
        let said = challenge;
        try {
          said = String((JSON.parse(challenge) as { status?: unknown }).status ?? challenge);
        } catch {
          // Not JSON: said as it came.
        }
        const final = await saslAuthenticate({ request: saslBytes("\x01") }).then(
          () => "",
          (err: Error) => err.message,
        );
        // kafkajs' typings leave out the message its errors take.
        const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
        throw new SaslError(`SASL OAUTHBEARER authentication failed: ${said}${final ? ` (${final})` : ""}`);
      },
    }),
  };
}

/** kafkajs' SASL options for the config, or undefined without SASL. */
export function saslOptions(config: ResolvedConfig): SASLOptions | Mechanism | undefined {
  const s = config.kafka.sasl;
  if (s.mechanism === "none") return undefined;
  if (s.mechanism === "oauthbearer" || s.mechanism === "aws-msk-iam") {
    const token = tokenFor(config);
    return oauthBearerMechanism(() => token.get());
  }
  return { mechanism: s.mechanism, username: s.username ?? "", password: s.password ?? "" } as SASLOptions;
}

/** Who the client authenticates as, in words (doctor, errors). */
export function saslIdentity(config: ResolvedConfig): string {
  const s = config.kafka.sasl;
  if (s.mechanism === "oauthbearer") return `OAUTHBEARER, client ${s.oauth.clientId} of ${s.oauth.tokenEndpoint}`;
  if (s.mechanism === "aws-msk-iam") return "AWS MSK IAM (OAUTHBEARER) with the AWS credential chain";
  return `${s.mechanism.toUpperCase()} as ${s.username}`;
}
