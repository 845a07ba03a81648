/**
 * Group requests (committed offsets, moving a group, describing its members) retried while the group's
 * coordinator is being chosen, moved or loaded. On a new cluster the first group request creates the offsets
 * topic, and for a moment brokers answer "not the coordinator"; when a broker dies, its groups move. kafkajs'
 * consumer waits this out by itself, its admin client does not.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { log } from "../log";
import { kafkaErrorType } from "./errors";

const MOVING = new Set(["GROUP_COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR_FOR_GROUP", "GROUP_LOAD_IN_PROGRESS"]);

export async function withCoordinator<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const type = kafkaErrorType(err) ?? "";
      if (!MOVING.has(type) || Date.now() > deadline) throw err;
      log.debug(`${what}: ${type}, trying again (the group's coordinator is moving or loading)`);
      await sleep(Math.min(2000, 100 * attempt));
    }
  }
}
