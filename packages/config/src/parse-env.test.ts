import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kafkaBrokers, port, postgresUrl, topicName } from './fields.ts';
import { ConfigError, parseEnv, redactUrl } from './parse-env.ts';

const schema = z.object({
  KAFKA_BROKERS: kafkaBrokers.default(['127.0.0.1:9092']),
  PORT: port.default(3000),
  TOPIC: topicName.default('report-events'),
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/tally'),
  DB_PASSWORD: z.string().min(12).optional(),
});

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseEnv', () => {
  it('fills in the defaults when nothing is set, and treats empty values as unset', () => {
    expect(parseEnv(schema, { PORT: '' })).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      PORT: 3000,
      TOPIC: 'report-events',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tally',
    });
  });

  it('splits and trims a broker list', () => {
    expect(parseEnv(schema, { KAFKA_BROKERS: ' 127.0.0.1:9092, 127.0.0.1:9093 ,' }).KAFKA_BROKERS).toEqual([
      '127.0.0.1:9092',
      '127.0.0.1:9093',
    ]);
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost', /^KAFKA_BROKERS: each broker must be host:port \(got "localhost"\)$/],
    ['KAFKA_BROKERS', ',', /^KAFKA_BROKERS: must name at least one broker/],
    ['PORT', 'abc', /^PORT: must be a port number/],
    ['PORT', '70000', /^PORT: must be 1-65535 \(got "70000"\)$/],
    ['TOPIC', 'report events', /^TOPIC: must be 1-249 characters/],
    ['TOPIC', '..', /^TOPIC: must not be "\." or "\.\."/],
    ['DATABASE_URL', 'mysql://x@y/z', /^DATABASE_URL: must be a postgres:\/\/ URL/],
  ])('names %s when it is %j', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([expect.stringMatching(message)]);
  });

  it('reports every bad variable at once', () => {
    expect(
      problems({ PORT: '0', TOPIC: 'a b', KAFKA_BROKERS: 'x' })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['KAFKA_BROKERS', 'PORT', 'TOPIC']);
  });

  it('never shows the value of a secret', () => {
    const [problem] = problems({ DB_PASSWORD: 'hunter2' });
    expect(problem).toMatch(/^DB_PASSWORD: .*\(got a value \(hidden\)\)$/);
    expect(problem).not.toContain('hunter2');
  });

  it("never shows the password of a URL it refuses (an AMQP_URL's, a DATABASE_URL's)", () => {
    const [problem] = problems({ DATABASE_URL: 'mysql://app:hunter2@db/tally' });
    expect(problem).toBe('DATABASE_URL: must be a postgres:// URL (got "mysql://app:***@db/tally")');
  });
});

describe('redactUrl', () => {
  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/tally')).toBe('postgres://app:***@db:5432/tally');
  });
});
