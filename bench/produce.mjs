// npm run bench:produce — synthetic ticks into the local Kafka, acks=all, a fixed count per run; ticks/s and
// MB/s per run and the median. Usage: node bench/produce.mjs [count] [runs]
import { cpuNow, cpuPerRecord, deleteTopics, isMain, median, medianOfEach, servicePids, stockpipe, writeResult } from "./lib.mjs";

export function benchProduce({ count = 500_000, runs = 5 } = {}) {
  // Average encoded size, from the same seeded stream the runs send.
  const sample = stockpipe(["produce", "--source", "synthetic", "--symbols", "500", "--seed", "1", "--limit", "10000", "--dry-run"]);
  const bytesPerTick = Buffer.byteLength(sample) / 10_000;
  const results = [];
  const pids = servicePids();
  for (let i = 0; i < runs; i++) {
    const topic = `bench-produce-${Date.now()}`;
    stockpipe(["topic", "create", topic, "-p", "6"]);
    try {
      const from = cpuNow(pids);
      const summary = JSON.parse(
        stockpipe([
          "produce",
          "--source",
          "synthetic",
          "--symbols",
          "500",
          "--seed",
          String(i + 1),
          "--limit",
          String(count),
          "--topic",
          topic,
          "--acks",
          "all",
          "-f",
          "json",
        ]),
      );
      const cpuMicrosPerTick = cpuPerRecord(from, cpuNow(pids), count);
      if (summary.sent !== count) throw new Error(`run ${i + 1} sent ${summary.sent} of ${count} ticks`);
      const tps = summary.sent / summary.seconds;
      results.push({
        run: i + 1,
        sent: summary.sent,
        seconds: summary.seconds,
        ticksPerSecond: Math.round(tps),
        mbPerSecond: +((tps * bytesPerTick) / 1e6).toFixed(1),
        cpuMicrosPerTick,
        peakRssMb: summary.peakRssMb,
      });
      process.stderr.write(`produce run ${i + 1}: ${Math.round(tps)} ticks/s\n`);
    } finally {
      deleteTopics(topic);
    }
  }
  const report = {
    benchmark: "produce: synthetic ticks → Kafka (acks=all, 6 partitions, 500 symbols, default producer settings)",
    count,
    bytesPerTick: Math.round(bytesPerTick),
    runs: results,
    medianTicksPerSecond: median(results.map((r) => r.ticksPerSecond)),
    medianMBPerSecond: median(results.map((r) => r.mbPerSecond)),
    medianCpuMicrosPerTick: medianOfEach(results.map((r) => r.cpuMicrosPerTick)),
    medianPeakRssMb: median(results.map((r) => r.peakRssMb)),
    bar: 110_000,
  };
  report.meetsBar = report.medianTicksPerSecond >= report.bar;
  return report;
}

if (isMain(import.meta.url))
  writeResult("produce", () => benchProduce({ count: Number(process.argv[2] ?? 500_000), runs: Number(process.argv[3] ?? 5) }));
