import kafkajs from "kafkajs";

const { Partitioners } = kafkajs;

/**
 * Java-compatible partitioning (murmur2 of the key), done here so the batcher can keep each
 * partition in order and every produce call knows the partitions it must see acknowledged.
 */
export function keyPartitioner(partitions: number): (key: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    replicas: [],
    isr: [],
    partitionErrorCode: 0,
  }));
  const cache = new Map<string, number>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) {
      p = partitioner({ topic: "", partitionMetadata, message: { key, value: null } });
      if (cache.size < 100_000) cache.set(key, p);
    }
    return p;
  };
}
