/** The drain's fake sink keeps the Sink contract the real sinks keep, so the unit tests' findings carry over. */
import { RuntimeError } from "../../../src/errors";
import { sinkConformance } from "../../sinks/conformance";
import { FakeSink, FakeStore } from "./fakes";

for (const buffered of [false, true]) {
  let store = new FakeStore();
  sinkConformance(
    `the fake sink, ${buffered ? "buffered" : "write-through"}`,
    {
      fresh: async () => {
        store = new FakeStore();
        return new FakeSink(buffered, store);
      },
      reopen: async () => new FakeSink(buffered, store),
      stored: async () => ({ ticks: [...store.ticks.values()], bars: [...store.bars.values()], alerts: [...store.alerts.values()] }),
      unreachable: async () => {
        const sink = new FakeSink(buffered);
        sink.failures = [new RuntimeError("the fake store is away", { retriable: true })];
        return { sink, retried: [] };
      },
      misconfigured: async () => {
        const sink = new FakeSink(buffered);
        sink.failures = [new RuntimeError("the fake store has no such table", { retriable: false })];
        return sink;
      },
    },
    5000,
  );
}
