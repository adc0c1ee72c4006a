// What the group loop lends the batch handler beyond kafkajs's batch payload: where a partition's
// log starts in Kafka now (its earliest retained offset), and a seek of the partition's reading
// position. Both serve the offset gaps PostgreSQL can open behind the consumer (offset-gap.ts).
import type { Admin, Consumer, Kafka } from 'kafkajs';

export interface PartitionControl {
  /** The partition's earliest offset still in Kafka's log (its log start offset). */
  logStart(topic: string, partition: number): Promise<bigint>;
  /** Moves the partition's next fetch to `offset` (kafkajs `consumer.seek`). */
  seek(topic: string, partition: number, offset: bigint): void;
  /** Disconnects the admin client, if one was made. */
  stop(): Promise<void>;
}

export function createPartitionControl(kafka: Kafka, consumer: Pick<Consumer, 'seek'>): PartitionControl {
  let admin: Promise<Admin> | undefined;
  // NOTE: made on first use: the log's start is asked only when a partition has no offsets row
  // or PostgreSQL's next_offset is behind the batch, both rare, so most consumers never connect it.
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
    async stop() {
      const current = admin;
      admin = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
