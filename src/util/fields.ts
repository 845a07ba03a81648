/**
 * What a config field may say of itself, for the config's global fields and for every component kit's (a source's
 * `sources:` entry, …): how a field that can carry a secret is kept out of output, and field types many share.
 * On the ground floor, so a kit declares its fields without reaching up into the config.
 */
import { z } from "zod";

/**
 * How a field that can carry a secret is kept out of output — `config show`, `doctor`, errors, logs, the dashboard,
 * dead-letter headers: `value`, all of it; `webhook`, everything after the host (a webhook's path and query are its
 * key); `url`, a URL's password and query values; `env`, the value of the environment variable it names.
 */
export type SecretRule = "value" | "webhook" | "url" | "env";
export const secretFields = z.registry<{ secret: SecretRule }>();
export function secret<T extends z.ZodType>(schema: T, rule: SecretRule = "value"): T {
  secretFields.add(schema, { secret: rule });
  return schema;
}

export const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, "must be 1-200 characters of letters, digits, '.', '_' or '-'");
export const posInt = () => z.number().int().min(1);
