import { describe, expect, it } from "vitest";
import { PartitionAnalyzer } from "../../../../src/analytics/partition";
import { FencedError, type PartitionTransactor, TransactionFailed } from "../../../../src/kafka/transactions";
import { CalendarBook } from "../../../../src/model/calendar";
import { MAX_TRANSACTION_FAILURES, type Task, Tasks, TransactionsFailing } from "../../../../src/pipeline/analyze/tasks";

const retriable = Object.assign(new Error("NOT_COORDINATOR"), { name: "KafkaJSProtocolError", type: "NOT_COORDINATOR", retriable: true });

/** A task whose transactions answer with `outcomes` in turn (true: committed). */
function taskWith(outcomes: (boolean | Error)[]): Task & { attempts: number } {
  const task = {
    partition: 3,
    attempts: 0,
    analyzer: new PartitionAnalyzer({
      intervals: [],
      emit: new Set(),
      latenessMs: 0,
      timeZone: "UTC",
      calendars: new CalendarBook("24x7", {}, "UTC"),
      sessions: "regular",
      rules: {},
    }),
    generation: "g",
    tx: {
      commit: async () => {
        task.attempts++;
        const o = outcomes.shift() ?? true;
        if (o instanceof Error) throw o;
        return o;
      },
      close: async () => {},
    } as unknown as PartitionTransactor,
  };
  return task;
}

function tasks(signal = new AbortController().signal) {
  return new Tasks({
    kafka: undefined as never,
    admin: undefined as never,
    topic: "t",
    group: "g",
    checkpointTopic: "t.state",
    settings: undefined as never,
    transactionTimeoutMs: 60_000,
    signal,
  });
}

describe("analyze's commit policy", () => {
  it("retries a transaction that failed before its commit with a failure that may pass, and commits once", async () => {
    const t = tasks();
    const task = taskWith([new TransactionFailed(true, retriable), true]);
    expect(await t.commit(task, [], "5")).toBe(true);
    expect(task.attempts).toBe(2);
  });

  it("lets a fenced partition go and counts it: another process owns it now", async () => {
    const t = tasks();
    const task = taskWith([new FencedError(3)]);
    expect(await t.commit(task, [], "5")).toBe(false);
    expect(t.fenced).toBe(1);
    expect(task.attempts).toBe(1);
  });

  it("lets the partition go after a failure during the commit (its outcome unknown), and stops after failures in a row", async () => {
    const t = tasks();
    const unknown = new TransactionFailed(false, new Error("connection closed during EndTxn"));
    for (let i = 1; i < MAX_TRANSACTION_FAILURES; i++) expect(await t.commit(taskWith([unknown]), [], "5")).toBe(false);
    await expect(t.commit(taskWith([unknown]), [], "5")).rejects.toBeInstanceOf(TransactionsFailing);
  });

  it("starts counting again after a commit goes through", async () => {
    const t = tasks();
    const unknown = new TransactionFailed(false, new Error("timeout"));
    for (let i = 1; i < MAX_TRANSACTION_FAILURES; i++) await t.commit(taskWith([unknown]), [], "5");
    expect(await t.commit(taskWith([true]), [], "6")).toBe(true);
    expect(await t.commit(taskWith([unknown]), [], "7")).toBe(false);
  });

  it("does not commit once stopped: the transaction is aborted and the chunk read again next time", async () => {
    const stop = new AbortController();
    const t = tasks(stop.signal);
    stop.abort();
    const task = taskWith([false]);
    expect(await t.commit(task, [], "5")).toBe(false);
    expect(t.fenced).toBe(0);
  });
});
