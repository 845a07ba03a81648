/**
 * The topic's first pass in a thread of its own: it reads the whole topic into per symbol-day digests while the
 * main thread reads the stores, so the two run on different cores. Posts its progress, then the digests.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createKafka } from "../kafka/client";
import { quietKnownWarnings } from "../util/warnings";
import { Digests } from "./digest";
import { readTopic } from "./readers";
import type { TopicJob, WorkerMessage } from "./workerPool";

quietKnownWarnings();
const job = workerData as TopicJob;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const digests = new Digests();
  const kafka = createKafka(job.config, { retries: 2 });
  await readTopic(
    kafka,
    job.topic,
    job.config,
    (kind, s, place) => {
      digests.add(kind, s, place);
      if (digests.records % 100_000 === 0) post({ t: "read", records: digests.records });
    },
    { since: job.since, partitions: job.partitions },
  );
  post({ t: "done", byKey: digests.byKey, records: digests.records });
}

main().catch((err: Error) => post({ t: "failed", message: err.message }));
