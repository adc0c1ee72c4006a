import { ConfigError } from '@tally/config';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('consumer config', () => {
  it('defaults to the documented local contract', () => {
    expect(loadConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaSecurity: { ssl: undefined, sasl: undefined, describe: { tls: false } },
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/tally',
      migrationsDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/tally',
      reportTopic: 'report-events',
      deadLetterTopic: 'report-events.dlq',
      consumerGroup: 'tally-aggregator',
      partitions: 12,
      port: 3001,
      host: '127.0.0.1',
      logLevel: 'info',
      statementTimeoutMs: 10_000,
      idleInTransactionTimeoutMs: 10_000,
      lockTimeoutMs: 2_000,
      dedupRetentionDays: 8,
      sessionTimeoutMs: 30_000,
      partitionsConcurrently: 4,
      synchronousCommit: 'off',
    });
  });

  it.each([
    ['CONSUMER_PORT', '-1'],
    ['DATABASE_URL', 'http://127.0.0.1:5432/tally'],
    ['DEAD_LETTER_TOPIC', 'dlq/x'],
    ['KAFKA_BROKERS', '127.0.0.1'],
    ['DEDUP_RETENTION_DAYS', '3'],
    ['CONSUMER_PARTITIONS_CONCURRENTLY', '0'],
    ['CONSUMER_SYNCHRONOUS_COMMIT', 'local'],
    ['CONSUMER_STATEMENT_TIMEOUT_MS', '240001'],
    ['CONSUMER_IDLE_IN_TRANSACTION_TIMEOUT_MS', '0'],
    ['CONSUMER_IDLE_IN_TRANSACTION_TIMEOUT_MS', '999'],
    ['CONSUMER_LOCK_TIMEOUT_MS', '0'],
    ['CONSUMER_LOCK_TIMEOUT_MS', '1.5'],
  ])('refuses a bad %s and names it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}: `));
  });

  it('refuses a dead-letter topic that is the report topic itself', () => {
    expect(() => loadConfig({ REPORT_TOPIC: 'events', DEAD_LETTER_TOPIC: 'events' })).toThrow(/DEAD_LETTER_TOPIC: must differ/);
  });
});
