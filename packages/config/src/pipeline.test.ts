// The pipeline's shared names as the apps and tools read them: defaults, and the topic's
// partition count under its current and its older name.
import { describe, expect, it } from 'vitest';
import { DEFAULTS, pipelineNames } from './pipeline.ts';

describe('pipelineNames', () => {
  it('falls back to the documented defaults', () => {
    expect(pipelineNames({})).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/tally',
      reportTopic: 'report-events',
      deadLetterTopic: 'report-events.dlq',
      consumerGroup: 'tally-aggregator',
      partitions: DEFAULTS.reportTopicPartitions,
    });
  });

  it.each([
    [{ REPORT_TOPIC_PARTITIONS: '24' }, 24],
    [{ PRODUCER_PARTITIONS: '6' }, 6],
    [{ REPORT_TOPIC_PARTITIONS: '24', PRODUCER_PARTITIONS: '6' }, 24],
    [{ REPORT_TOPIC_PARTITIONS: '', PRODUCER_PARTITIONS: '6' }, 6],
  ])('reads the partition count from %o as %i', (env, partitions) => {
    expect(pipelineNames(env).partitions).toBe(partitions);
  });

  it.each([['REPORT_TOPIC_PARTITIONS'], ['PRODUCER_PARTITIONS']])('refuses %s=0, naming it', (name) => {
    expect(() => pipelineNames({ [name]: '0' })).toThrow(name);
  });
});
