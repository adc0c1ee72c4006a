// Client resends (same event_id) and poison produced straight to the topic: resends counted once, dead letters = poison.
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Outcome, Scenario } from '../scenario.ts';
import { runWithLoad } from './common.ts';

const POISON = 60;

export function poisonAndResends(s: Scenario): Promise<Outcome> {
  return runWithLoad(s, {
    consumers: 1,
    rate: 2_000,
    seconds: 12,
    resend: 0.05,
    poison: () => POISON,
    inject: async () => {
      await sleep(3_000);
      const producer = new Kafka({ clientId: 'faults-poison', brokers: s.brokers, logLevel: logLevel.NOTHING }).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      // Not wire format, an unknown schema id, and a truncated body: each a different reason.
      const kinds = [
        Buffer.from('{"user_id": 1, "action": "login"}'),
        Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]),
        Buffer.from([0, 0, 0]),
      ];
      const messages = Array.from({ length: POISON }, (_, i) => ({
        key: `poison-${i % 7}`,
        value: kinds[i % kinds.length] ?? null,
      }));
      await producer.send({ topic: s.topic, acks: -1, messages });
      await producer.disconnect();
      s.faults += POISON;
      s.log(`${POISON} poison records produced straight to the topic`);
    },
  });
}
