import { ConfigError } from '@tally/config';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('producer config', () => {
  it('defaults to the documented local contract', () => {
    expect(loadConfig({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      kafkaSecurity: { ssl: undefined, sasl: undefined, describe: { tls: false } },
      apiKeysFile: undefined,
      rateLimitPerMinute: 6_000,
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      reportTopic: 'report-events',
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      partitions: 12,
      lingerMs: 5,
      batchMaxEvents: 10_000,
      batchMaxBytes: 1_000_000,
      bufferEvents: 100_000,
      ackTimeoutMs: 10_000,
      compression: 'gzip',
    });
  });

  it.each([
    ['PRODUCER_PORT', 'http'],
    ['KAFKA_BROKERS', 'kafka'],
    ['SCHEMA_REGISTRY_URL', 'registry:8081'],
    ['REPORT_TOPIC', 'report events'],
    ['LOG_LEVEL', 'loud'],
    ['PRODUCER_PARTITIONS', '0'],
    ['PRODUCER_LINGER_MS', '5000'],
    ['PRODUCER_COMPRESSION', 'snappy'],
  ])('refuses a bad %s and names it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}: `));
  });
});
