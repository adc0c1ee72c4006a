// The naive peer `pnpm bench` compares Tally's consumer with: a consumer written the way most
// tutorials write one. kafkajs eachMessage, the registry client's decode, one INSERT … ON CONFLICT
// per event, auto-commit. (No dedup, no fence: it is also not exactly-once.) Run as a process:
//   KAFKA_BROKERS= SCHEMA_REGISTRY_URL= DATABASE_URL= REPORT_TOPIC= CONSUMER_GROUP= node naive-peer.ts
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const registry = new SchemaRegistry({ host: env('SCHEMA_REGISTRY_URL') });
const pool = new pg.Pool({ connectionString: env('DATABASE_URL') });
const kafka = new Kafka({ clientId: 'naive-peer', brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: env('CONSUMER_GROUP') });

await pool.query(`CREATE TABLE IF NOT EXISTS aggregates_minute (
  bucket_start timestamptz NOT NULL, user_id text NOT NULL, action text NOT NULL,
  event_count bigint NOT NULL, value_sum double precision,
  PRIMARY KEY (bucket_start, user_id, action))`);
await consumer.connect();
await consumer.subscribe({ topic: env('REPORT_TOPIC'), fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const event = (await registry.decode(message.value as Buffer)) as {
      user_id: string;
      action: string;
      occurred_at: number;
      value: number | null;
    };
    const bucket = new Date(Math.floor(event.occurred_at / 60_000) * 60_000);
    await pool.query(
      `INSERT INTO aggregates_minute (bucket_start, user_id, action, event_count, value_sum) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (bucket_start, user_id, action) DO UPDATE SET
         event_count = aggregates_minute.event_count + 1,
         value_sum = COALESCE(aggregates_minute.value_sum, 0) + COALESCE(EXCLUDED.value_sum, 0)`,
      [bucket, event.user_id, event.action, event.value],
    );
  },
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    consumer.disconnect().finally(() => pool.end().finally(() => process.exit(0)));
  });
}
