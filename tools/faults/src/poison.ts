// Poison produced straight to a scenario's report topic, three kinds in turn, and the tally of what was injected
// by the reason code each kind must be dead-lettered with: what the oracle compares the dead letters with.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Scenario } from './scenario.ts';

// Not wire format (JSON), an unknown schema id, and a record shorter than the wire format's header.
const KINDS = [
  { value: Buffer.from('{"user_id": 1, "action": "login"}'), reasonCode: 'NOT_WIRE_FORMAT' },
  { value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]), reasonCode: 'UNKNOWN_SCHEMA_ID' },
  { value: Buffer.from([0, 0, 0]), reasonCode: 'NOT_WIRE_FORMAT' },
];

export interface Poison {
  /** Produces `count` poison records (acks=all) over several partitions. */
  inject(count: number): Promise<void>;
  /** What was injected so far, by reason code. */
  injected(): Record<string, number>;
}

export function createPoison(s: Scenario): Poison {
  const injected: Record<string, number> = {};
  let sent = 0;
  return {
    async inject(count) {
      const producer = new Kafka({ clientId: 'faults-poison', brokers: s.brokers, logLevel: logLevel.NOTHING }).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      try {
        const kinds = Array.from({ length: count }, (_, i) => KINDS[(sent + i) % KINDS.length] ?? KINDS[0]);
        await producer.send({
          topic: s.topic,
          acks: -1,
          messages: kinds.map((kind, i) => ({ key: `poison-${(sent + i) % 7}`, value: kind?.value ?? null })),
        });
        for (const kind of kinds) if (kind) injected[kind.reasonCode] = (injected[kind.reasonCode] ?? 0) + 1;
        sent += count;
      } finally {
        await producer.disconnect();
      }
      s.log(`${count} poison records produced straight to the topic`);
    },
    injected: () => ({ ...injected }),
  };
}
