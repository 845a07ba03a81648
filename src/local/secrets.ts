/**
 * The secure profile's secrets: the passwords of its Kafka and Cassandra users, generated once per stack and
 * stored owner-only next to its data. `local env --profile secure` prints what a client needs.
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

export function readSecrets(stackDir: string): StackSecrets | undefined {
  const file = secretsFile(stackDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as StackSecrets;
}

const password = () => randomBytes(24).toString("base64url");

export function ensureSecrets(stackDir: string): StackSecrets {
  const existing = readSecrets(stackDir);
  if (existing) return existing;
  const secrets: StackSecrets = {
    kafka: { username: "stockpipe", password: password() },
    kafkaBroker: { username: "broker", password: password() },
    cassandra: { username: "stockpipe", password: password() },
  };
  const file = secretsFile(stackDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
