/** The local S3 server's credentials: generated once per stack, stored owner-only. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { LoadedConfig } from "../config/loader";
import { ensureSecretFile, readSecretFile } from "./secrets";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function credentialsFile(stackDir: string): string {
  return join(stackDir, "s3", "credentials.json");
}

export function readLocalCredentials(stackDir: string): S3Credentials | undefined {
  return readSecretFile<S3Credentials>(credentialsFile(stackDir));
}

export function ensureLocalCredentials(stackDir: string): S3Credentials {
  return ensureSecretFile<S3Credentials>(credentialsFile(stackDir), () => ({
    accessKeyId: `SP${randomBytes(9).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
  }));
}

/** Whether an S3 endpoint is on this machine (the local stack's S3 server, or a test's). */
export function isLocalEndpoint(endpoint: string): boolean {
  if (endpoint === "aws") return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

/**
 * For an S3 endpoint on this machine with no keys configured: the local stack's generated keys, as config values
 * whose origin names their file. The command layer calls this once after loading the config, so that no client
 * below it knows the local stack; configured keys, or an endpoint elsewhere, are left as they are.
 */
export function withLocalS3Credentials(loaded: LoadedConfig): LoadedConfig {
  const s3 = loaded.config.s3;
  if (s3.accessKeyId || s3.secretAccessKey || !isLocalEndpoint(s3.endpoint)) return loaded;
  const creds = readLocalCredentials(loaded.config.local.dir);
  if (!creds) return loaded;
  s3.accessKeyId = creds.accessKeyId;
  s3.secretAccessKey = creds.secretAccessKey;
  const origin = `local stack ${credentialsFile(loaded.config.local.dir)}`;
  loaded.origins.set("s3.accessKeyId", origin);
  loaded.origins.set("s3.secretAccessKey", origin);
  return loaded;
}
