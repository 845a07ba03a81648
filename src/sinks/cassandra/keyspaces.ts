/**
 * Amazon Keyspaces (cassandra.flavor: keyspaces): SigV4 authentication with the AWS default credential chain,
 * TLS to the regional endpoint, LOCAL_QUORUM, and what Keyspaces' documented limits ask of the schema and the
 * writes (see schema.ts and sink.ts).
 *
 * The authenticator speaks the protocol of AWS's aws-sigv4-auth-cassandra-plugin (the initial response "SigV4",
 * then a signed answer to the server's nonce): that plugin is built on the AWS SDK v2 and its own credential
 * chain, so the SDK v3 chain every other AWS client here uses (profiles, SSO, instance and task roles) signs
 * instead. Its signature is checked against the example in the plugin's documentation.
 */
import { createHash, createHmac } from "node:crypto";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import cassandra from "cassandra-driver";
import type { ResolvedConfig } from "../../config/schema";
import { RuntimeError } from "../../errors";

/** Keyspaces takes at most 30 statements in an unlogged batch. */
export const KEYSPACES_MAX_BATCH = 30;

/** Rows per batch: as asked (100 by default), at most Keyspaces' limit there. */
export function batchRows(config: ResolvedConfig, asked = 100): number {
  return config.cassandra.flavor === "keyspaces" ? Math.min(asked, KEYSPACES_MAX_BATCH) : asked;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();

export interface SigV4Input {
  region: string;
  nonce: string;
  date: Date;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The answer to a Keyspaces SigV4 challenge: a signed PUT /authenticate whose payload hash is the nonce's. */
export function keyspacesSignature(i: SigV4Input): string {
  const iso = i.date.toISOString();
  const day = iso.slice(0, 10).replaceAll("-", "");
  const scope = `${day}/${i.region}/cassandra/aws4_request`;
  const query = [
    "X-Amz-Algorithm=AWS4-HMAC-SHA256",
    `X-Amz-Credential=${i.accessKeyId}%2F${encodeURIComponent(scope)}`,
    `X-Amz-Date=${encodeURIComponent(iso)}`,
    "X-Amz-Expires=900",
  ]
    .sort()
    .join("&");
  const canonical = `PUT\n/authenticate\n${query}\nhost:cassandra\n\nhost\n${sha256(i.nonce)}`;
  const toSign = `AWS4-HMAC-SHA256\n${iso}\n${scope}\n${sha256(canonical)}`;
  let key = hmac(`AWS4${i.secretAccessKey}`, day);
  for (const part of [i.region, "cassandra", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return `signature=${signature},access_key=${i.accessKeyId},amzdate=${iso}${i.sessionToken ? `,session_token=${i.sessionToken}` : ""}`;
}

/** The nonce of a SigV4 challenge ("nonce=…,"). */
export function challengeNonce(challenge: Buffer): string | undefined {
  const m = /nonce=([^,]*)/.exec(challenge.toString("utf8"));
  return m?.[1];
}

type Callback = (err: Error | null, response?: Buffer) => void;

class SigV4Authenticator extends (cassandra.auth as unknown as { Authenticator: new () => object }).Authenticator {
  constructor(
    private readonly region: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {
    super();
  }

  initialResponse(callback: Callback): void {
    callback(null, Buffer.from("SigV4\0\0", "utf8"));
  }

  evaluateChallenge(challenge: Buffer, callback: Callback): void {
    const nonce = challengeNonce(challenge);
    if (!nonce) {
      callback(new Error(`Keyspaces sent a SigV4 challenge without a nonce: ${challenge.toString("utf8")}`));
      return;
    }
    this.credentials().then(
      (c) => callback(null, Buffer.from(keyspacesSignature({ region: this.region, nonce, date: new Date(), ...c }))),
      (err: Error) => callback(new Error(`no AWS credentials to sign in to Keyspaces: ${err.message}`)),
    );
  }

  onAuthenticationSuccess(): void {}
}

/** The driver's auth provider for Keyspaces: one SigV4 authenticator per connection. */
export class SigV4AuthProvider extends (cassandra.auth as unknown as { AuthProvider: new () => object }).AuthProvider {
  constructor(
    private readonly region: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {
    super();
  }

  newAuthenticator(): SigV4Authenticator {
    return new SigV4Authenticator(this.region, this.credentials);
  }
}

/** The region of a Keyspaces config: cassandra.region, AWS_REGION, else the endpoint's name. */
export function keyspacesRegion(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): string {
  const c = config.cassandra;
  const fromHost = c.contactPoints.map((p) => /^cassandra(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(p)?.[1]).find(Boolean);
  const region = c.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? fromHost;
  if (!region) {
    throw new RuntimeError("cassandra.flavor keyspaces needs the AWS region", {
      hint: "set cassandra.region (STOCKPIPE_CASSANDRA_REGION) or AWS_REGION",
    });
  }
  return region;
}

/** The endpoints of a Keyspaces config: the configured ones, or the region's service endpoint on 9142. */
export function keyspacesContactPoints(config: ResolvedConfig, region: string): string[] {
  const points = config.cassandra.contactPoints;
  const unset = points.length === 1 && points[0] === "127.0.0.1:9042";
  return unset ? [`cassandra.${region}.amazonaws.com:9142`] : points;
}
