import {
  actualRows,
  countedEvents,
  createDatabase,
  eventually,
  expectedRows,
  produceEvents,
  produceRaw,
  reportEvent,
  sql,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

// The migrations' roles: the consumer runs as tally_consumer and everything it needs works, while
// anything that would change the schema or erase numbers is refused by PostgreSQL itself.
const as = (url: string, role: string) => {
  const u = new URL(url);
  u.username = role;
  return u.toString();
};

/** Each statement with the SQLSTATE it failed with, or 'allowed'. */
async function outcomes(url: string, statements: string[]): Promise<[string, string][]> {
  const results: [string, string][] = [];
  for (const statement of statements) {
    results.push([
      statement,
      await sql(url, statement).then(
        () => 'allowed',
        (error: { code?: string }) => error.code ?? 'no code',
      ),
    ]);
  }
  return results;
}

describe('least-privilege PostgreSQL roles', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('lets the consumer count, deduplicate, dead-letter and maintain partitions as tally_consumer', async () => {
    const pipeline = await isolatedPipeline(cleanups);
    const consumerUrl = as(pipeline.url, 'tally_consumer');
    const consumer = await startTestConsumer(
      pipeline.config({ DATABASE_URL: consumerUrl, MIGRATIONS_DATABASE_URL: pipeline.url }),
    );
    cleanups.push(() => consumer.stop());
    const events = Array.from({ length: 200 }, (_, i) => reportEvent({ user_id: `r${i % 7}` }));
    await produceEvents(pipeline.topic, [...events, ...events.slice(0, 20)]); // 20 resends
    await produceRaw(pipeline.topic, [{ key: 'r1', value: Buffer.from('not avro') }]);
    await eventually('200 counted and 1 dead letter', async () => {
      const letters = await sql<{ n: string }>(pipeline.url, 'SELECT count(*) AS n FROM dead_letters');
      return (await countedEvents(pipeline.url)) === 200 && letters[0]?.n === '1';
    });
    expect(await actualRows(pipeline.url)).toEqual(expectedRows(events));
    // Partition upkeep and the fold of closed hours run as their owner through SECURITY DEFINER functions.
    await sql(consumerUrl, 'SELECT tally_maintain_seen_events(8)');
    await sql(consumerUrl, 'SELECT tally_fold_hour_per_action(now())');
    expect(await sql(consumerUrl, 'SELECT shard FROM aggregates_hour_per_action_shard WHERE shard >= 0')).toEqual([]);
  });

  it('refuses the consumer role anything that changes the schema or erases numbers', async () => {
    const db = await createDatabase();
    cleanups.push(db.drop);
    const consumer = await startTestConsumer(
      (await isolatedPipeline(cleanups)).config({ DATABASE_URL: db.url, MIGRATIONS_DATABASE_URL: db.url }),
    );
    await consumer.stop();
    const [partition] = await sql<{ name: string }>(
      db.url,
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'seen_events'::regclass LIMIT 1",
    );
    const refused = [
      'DROP TABLE aggregates_minute',
      'ALTER TABLE aggregates_minute ADD COLUMN sneaky int',
      'ALTER TABLE consumer_offsets DROP COLUMN next_offset',
      'TRUNCATE aggregates_minute',
      'DELETE FROM aggregates_hour',
      'DELETE FROM consumer_offsets',
      'UPDATE dead_letters SET reason = $$x$$',
      'CREATE TABLE sneaky (id int)',
      `DROP TABLE ${partition?.name}`,
      'DROP FUNCTION tally_maintain_seen_events(integer)',
      'SELECT * FROM pgmigrations',
      'DELETE FROM aggregates_hour_per_action_shard',
    ];
    // 42501: insufficient_privilege (also "must be owner of …").
    expect(await outcomes(as(db.url, 'tally_consumer'), refused)).toEqual(refused.map((sql) => [sql, '42501']));
    const readerRefused = [
      "INSERT INTO dead_letters VALUES ('t', 0, 0, 'x', 'x')",
      'DELETE FROM aggregates_minute',
      'SELECT tally_maintain_seen_events(8)',
      'SELECT tally_fold_hour_per_action(now())',
      'UPDATE aggregates_hour_per_action_shard SET event_count = 0',
    ];
    expect(await outcomes(as(db.url, 'tally_reports'), readerRefused)).toEqual(readerRefused.map((sql) => [sql, '42501']));
    const readerUrl = as(db.url, 'tally_reports');
    expect(await sql(readerUrl, 'SELECT count(*) FROM aggregates_minute')).toHaveLength(1);
    expect(await sql(readerUrl, 'SELECT count(*) FROM aggregates_hour_per_action')).toHaveLength(1);
  });

  it('says which variable to set when the consumer role is asked to migrate', async () => {
    const pipeline = await isolatedPipeline(cleanups);
    const owner = await startTestConsumer(pipeline.config());
    await owner.stop(); // creates the roles if this is the first database
    const fresh = await createDatabase();
    cleanups.push(fresh.drop);
    await expect(startTestConsumer(pipeline.config({ DATABASE_URL: as(fresh.url, 'tally_consumer') }))).rejects.toThrow(
      /migrations need the schema's owner, and tally_consumer may not change the schema .*set MIGRATIONS_DATABASE_URL/,
    );
  });
});
