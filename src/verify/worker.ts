/**
 * A side of verify's first pass in a thread of its own (workerPool.ts): the topic, Cassandra or the lake read
 * into per symbol-day digests while the other sides are read by other threads. Posts its progress, then the
 * digests.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createKafka } from "../kafka/client";
import { quietKnownWarnings } from "../util/warnings";
import { Digests } from "./digest";
import { readCassandra, readLake, readTopic, type Visit } from "./readers";
import type { SideJob, WorkerMessage } from "./workerPool";

quietKnownWarnings();
const job = workerData as SideJob;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const digests = new Digests();
  const visit: Visit = (kind, s, place) => {
    digests.add(kind, s, place);
    if (digests.records % 100_000 === 0) post({ t: "read", records: digests.records });
  };
  const o = { since: job.since };
  if (job.side === "topic") await readTopic(createKafka(job.config, { retries: 2 }), job.config.kafka.topic, job.config, visit, o);
  else if (job.side === "cassandra") await readCassandra(job.config, job.wanted!, visit, o);
  else await readLake(job.config, job.wanted!, visit, o);
  post({ t: "done", byKey: digests.byKey, records: digests.records });
}

main().catch((err: Error) => post({ t: "failed", message: err.message }));
