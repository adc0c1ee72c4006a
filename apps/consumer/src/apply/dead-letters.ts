// A step of applying a batch: one dead_letters row per poison record, beside the copy
// dead-letter.ts sent to the dead-letter topic, in the batch's transaction (exact counts by reason).
import type pg from 'pg';
import type { PoisonRecord } from '../decode-batch.ts';

export async function recordDeadLetters(
  client: pg.ClientBase,
  source: { topic: string; partition: number },
  poison: PoisonRecord[],
): Promise<void> {
  if (poison.length === 0) return;
  await client.query(
    `INSERT INTO dead_letters (topic, partition, "offset", reason_code, reason)
         SELECT $1, $2, unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]) ON CONFLICT DO NOTHING`,
    [source.topic, source.partition, poison.map((p) => String(p.offset)), poison.map((p) => p.code), poison.map((p) => p.reason)],
  );
}
