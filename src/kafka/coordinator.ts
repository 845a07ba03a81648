/**
 * Group requests (committed offsets, moving a group, describing its members) retried while the group's
 * coordinator is being chosen, moved or loaded. On a new cluster the first group request creates the offsets
 * topic, and for a moment brokers answer "not the coordinator"; when a broker dies, its groups move. kafkajs'
 * consumer waits this out by itself, its admin client does not.
 */
import { log } from "../log";
import { retry } from "../util/retry";
import { kafkaErrorType } from "./errors";

const MOVING = new Set(["GROUP_COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR_FOR_GROUP", "GROUP_LOAD_IN_PROGRESS"]);

export function withCoordinator<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return retry(fn, {
    isRetriable: (err) => MOVING.has(kafkaErrorType(err) ?? ""),
    shouldStop: () => Date.now() > deadline,
    onRetry: (err) => log.debug(`${what}: ${kafkaErrorType(err)}, trying again (the group's coordinator is moving or loading)`),
    baseMs: 100,
    maxMs: 2000,
  });
}
