/**
 * Generated secrets, made once per stack and stored owner-only next to its data: the secure profile's passwords
 * of its Kafka and Cassandra users here, and the S3 keys of every profile (credentials.ts) through the same two
 * functions. `local env --profile secure` prints what a client needs.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface Login {
  username: string;
  password: string;
}

export interface StackSecrets {
  /** The user clients connect to Kafka as. */
  kafka: Login;
  /** The brokers' own user on the SASL_SSL listener (inter-broker traffic). */
  kafkaBroker: Login;
  /** The superuser that replaces Cassandra's default `cassandra` role. */
  cassandra: Login;
}

export function secretsFile(stackDir: string): string {
  return join(stackDir, "secrets.json");
}

/** A JSON file of generated secrets, or undefined when it has not been made yet. */
export function readSecretFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** The JSON file's content: made by `make` the first time and stored owner-only, read back after. */
export function ensureSecretFile<T>(file: string, make: () => T): T {
  const existing = readSecretFile<T>(file);
  if (existing) return existing;
  const value = make();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  return value;
}

export function readSecrets(stackDir: string): StackSecrets | undefined {
  return readSecretFile<StackSecrets>(secretsFile(stackDir));
}

const password = () => randomBytes(24).toString("base64url");

export function ensureSecrets(stackDir: string): StackSecrets {
  return ensureSecretFile<StackSecrets>(secretsFile(stackDir), () => ({
    kafka: { username: "stockpipe", password: password() },
    kafkaBroker: { username: "broker", password: password() },
    cassandra: { username: "stockpipe", password: password() },
  }));
}
