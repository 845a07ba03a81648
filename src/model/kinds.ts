/**
 * The record kinds stockpipe moves and stores, by the `schema` header of their Kafka messages: tick v1 (also a
 * message without the header), bar v1 and alert v1. Consumers look the kind up here; each sink stores every kind.
 */
import { ALERT_SCHEMA } from "./alert";
import { BAR_SCHEMA } from "./bar";
import { TICK_SCHEMA } from "./tick";

export type KindName = "tick" | "bar" | "alert";

export const KIND_OF_SCHEMA: Record<string, KindName> = { [TICK_SCHEMA]: "tick", [BAR_SCHEMA]: "bar", [ALERT_SCHEMA]: "alert" };

/** The kind a schema header names; no header means a tick (producers before bars and alerts sent none). */
export function kindOf(schema: string | undefined): KindName | undefined {
  return schema === undefined ? "tick" : KIND_OF_SCHEMA[schema];
}

/** A record as a consumer received it: decoded, with its offset and its JSON (one line). */
export interface Received<T> {
  record: T;
  offset: string;
  value: string;
}
