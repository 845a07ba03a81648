/** The local S3 server's credentials: generated once per stack, stored owner-only. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function credentialsFile(stackDir: string): string {
  return join(stackDir, "s3", "credentials.json");
}

export function readLocalCredentials(stackDir: string): S3Credentials | undefined {
  const file = credentialsFile(stackDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as S3Credentials;
}

export function ensureLocalCredentials(stackDir: string): S3Credentials {
  const existing = readLocalCredentials(stackDir);
  if (existing) return existing;
  const creds: S3Credentials = {
    accessKeyId: `SP${randomBytes(9).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
  };
  const file = credentialsFile(stackDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}
