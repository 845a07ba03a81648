/** Where `backfill` sends: the bars and alerts topics, through an idempotent producer, in acknowledged batches. */
import type { Message, Producer } from "kafkajs";
import type { LoadedConfig } from "../../config/loader";
import { sendAcknowledged } from "../../kafka/acknowledged";
import { createKafka } from "../../kafka/client";
import { kafkaError } from "../../kafka/errors";
import { keyPartitioner } from "../../kafka/partitioner";
import { ensureTopic, partitionCount } from "../../kafka/topics";
import { ALERT_SCHEMA, type Alert, encodeAlert } from "../../model/alert";
import { BAR_SCHEMA, type Bar, encodeBar } from "../../model/bar";
import { getOrCreate } from "../../util/maps";

/** Records per produce call, and bytes: one partition's batch must stay under the broker's message.max.bytes (1 MB). */
const SEND_BATCH = 5000;
const SEND_BYTES = 512 * 1024;

export interface Output {
  send(bars: Bar[], alerts: Alert[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bars and alerts topics, created if missing with the tick topic's partitions, and an idempotent producer:
 * records keyed by symbol and partitioned as analyze's are (by the symbol's hash, which is the tick's partition
 * when the counts match), sent in batches, each batch acknowledged by all in-sync replicas before the next.
 */
export async function openOutput(
  loaded: LoadedConfig,
  topic: string,
  names: { bars: Record<string, string>; alerts: string },
): Promise<Output> {
  const kafka = createKafka(loaded.config);
  const admin = kafka.admin();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const hashes = new Map<string, (key: string) => number>();
  try {
    await admin.connect();
    const partitions = (await admin.listTopics()).includes(topic) ? await partitionCount(admin, topic) : 1;
    for (const name of [...Object.values(names.bars), names.alerts]) {
      await ensureTopic(admin, { name, partitions });
      hashes.set(name, keyPartitioner(await partitionCount(admin, name)));
    }
    await producer.connect();
  } catch (err) {
    throw kafkaError(err, loaded, `open the output topics of ${topic}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  let pending = new Map<string, Message[]>();
  let count = 0;
  let bytes = 0;
  // One produce call in flight while the next batch is computed; a failure stops the run at the next batch.
  let inFlight: Promise<void> = Promise.resolve();
  let failure: unknown;
  const flush = async (wait: boolean) => {
    if (count > 0) {
      const batch = [...pending].map(([t, messages]) => ({ topic: t, messages }));
      pending = new Map();
      count = 0;
      bytes = 0;
      await inFlight;
      inFlight = sendAcknowledged((b) => producer.sendBatch({ topicMessages: b, acks: -1 }), batch).then(
        () => undefined,
        (err) => {
          failure ??= err;
        },
      );
    }
    if (wait) await inFlight;
    if (failure) throw kafkaError(failure, loaded, "send the backfilled bars");
  };
  const add = (t: string, key: string, value: string, schema: string) => {
    getOrCreate(pending, t, () => []).push({ key, value, headers: { schema }, partition: hashes.get(t)!(key) });
    count++;
    bytes += value.length + key.length + 64;
  };
  return {
    async send(bars, alerts) {
      for (const b of bars) add(names.bars[b.interval]!, b.symbol, encodeBar(b), BAR_SCHEMA);
      for (const a of alerts) add(names.alerts, a.symbol, encodeAlert(a), ALERT_SCHEMA);
      if (count >= SEND_BATCH || bytes >= SEND_BYTES) await flush(false);
    },
    flush: () => flush(true),
    close: async () => {
      await inFlight;
      await producer.disconnect().catch(() => {});
    },
  };
}
