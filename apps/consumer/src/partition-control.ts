// What the group loop lends the batch handler beyond kafkajs's batch payload: where a partition's
// log starts in Kafka now (its earliest retained offset), and a seek of the partition's reading
// position, both for the offset gaps PostgreSQL can open behind the consumer (offset-gap.ts); and
// the guard that keeps each partition on the log its offsets came from (log-identity/guard.ts),
// with the cluster id and log ends that guard's judgements start from.
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { LogIdentityGuard } from './log-identity/guard.ts';
import type { KafkaLog } from './seek-on-assign.ts';

export interface PartitionControl {
  /** The partition's earliest offset still in Kafka's log (its log start offset). */
  logStart(topic: string, partition: number): Promise<bigint>;
  /** Moves the partition's next fetch to `offset` (kafkajs `consumer.seek`). */
  seek(topic: string, partition: number, offset: bigint): void;
  /** Kafka's cluster id and each partition's log start and end (high watermark), read now. */
  describeLog(topic: string): Promise<KafkaLog>;
  identity: LogIdentityGuard;
  /** Disconnects the admin client, if one was made. */
  stop(): Promise<void>;
}

export function createPartitionControl(
  kafka: Kafka,
  consumer: Pick<Consumer, 'seek'>,
  identity: LogIdentityGuard,
): PartitionControl {
  let admin: Promise<Admin> | undefined;
  // NOTE: made on first use (the first assignment's describeLog), and kept.
  const connected = (): Promise<Admin> => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      admin = undefined;
      throw error;
    });
    return admin;
  };

  return {
    async logStart(topic, partition) {
      // NOTE: one Metadata and two ListOffsets requests (earliest and latest, for the whole topic);
      // the earliest ("low") is the log start offset that retention or deleteRecords moves.
      const offsets = await (await connected()).fetchTopicOffsets(topic);
      const low = offsets.find((o) => o.partition === partition)?.low;
      if (low === undefined) throw new Error(`Kafka reported no offsets for ${topic}/${partition}`);
      return BigInt(low);
    },
    seek(topic, partition, offset) {
      consumer.seek({ topic, partition, offset: String(offset) });
    },
    async describeLog(topic) {
      const client = await connected();
      // NOTE: describeCluster asks for fresh metadata each time: a Kafka replaced behind the same
      // address (another version's data) shows here as another cluster id.
      const [{ clusterId }, offsets] = await Promise.all([client.describeCluster(), client.fetchTopicOffsets(topic)]);
      return {
        clusterId,
        partitions: new Map(offsets.map((o) => [o.partition, { start: BigInt(o.low), end: BigInt(o.high) }])),
      };
    },
    identity,
    async stop() {
      const current = admin;
      admin = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
