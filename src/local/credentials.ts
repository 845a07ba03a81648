/** The local S3 server's credentials: generated once per stack, stored owner-only. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
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
