// The one home of the pipeline's names and defaults: topics, group, partition counts, ports and
// URLs. Apps, the launcher, tests and tools import them from here; nothing else writes them down.
import { z } from 'zod';
import { httpUrl, kafkaBrokers, logLevel, port, topicName } from './fields.ts';
import { type KafkaSecurity, kafkaSecurity, kafkaSecurityFields } from './kafka-security.ts';
import { parseEnv } from './parse-env.ts';

export const DEFAULTS = {
  kafkaBrokers: '127.0.0.1:9092',
  schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  /** The schema owner's connection; the launcher creates the database. */
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/tally',
  reportTopic: 'report-events',
  deadLetterTopic: 'report-events.dlq',
  consumerGroup: 'tally-aggregator',
  /** Partitions of the report topic when an app or the launcher creates it. */
  reportTopicPartitions: 12,
  deadLetterTopicPartitions: 3,
  host: '127.0.0.1',
  ports: { producer: 3000, consumer: 3001, reports: 3002, bridge: 3003 },
  /** The RabbitMQ the AMQP bridge consumes, and the queue the existing publishers declare. */
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  amqpQueue: 'report_queue',
} as const;

/** The variables every app reads the same way (Kafka, its TLS/SASL, the log level). */
export const commonFields = {
  KAFKA_BROKERS: kafkaBrokers.default([DEFAULTS.kafkaBrokers]),
  ...kafkaSecurityFields,
  LOG_LEVEL: logLevel.default('info'),
};

export const registryField = { SCHEMA_REGISTRY_URL: httpUrl.default(DEFAULTS.schemaRegistryUrl) };
export const reportTopicField = { REPORT_TOPIC: topicName.default(DEFAULTS.reportTopic) };
export const deadLetterTopicField = { DEAD_LETTER_TOPIC: topicName.default(DEFAULTS.deadLetterTopic) };
export const consumerGroupField = {
  CONSUMER_GROUP: z.string().min(1, 'must not be empty').default(DEFAULTS.consumerGroup),
};
const partitions = z.coerce.number().int().min(1, 'must be at least 1').max(10_000);
/**
 * Partitions of the report topic when an app creates it. PRODUCER_PARTITIONS is its older name,
 * still read (REPORT_TOPIC_PARTITIONS wins when both are set).
 */
export const partitionsField = { REPORT_TOPIC_PARTITIONS: partitions.optional(), PRODUCER_PARTITIONS: partitions.optional() };
type PartitionsEnv = { REPORT_TOPIC_PARTITIONS?: number | undefined; PRODUCER_PARTITIONS?: number | undefined };
const partitionsOf = (parsed: PartitionsEnv): number =>
  parsed.REPORT_TOPIC_PARTITIONS ?? parsed.PRODUCER_PARTITIONS ?? DEFAULTS.reportTopicPartitions;

/** `<APP>_PORT` and `<APP>_HOST` of an app's HTTP server. */
export function listenFields<P extends string>(prefix: P, defaultPort: number) {
  return {
    [`${prefix}_PORT`]: port.default(defaultPort),
    [`${prefix}_HOST`]: z.string().min(1).default(DEFAULTS.host),
  } as { [K in `${P}_PORT`]: z.ZodDefault<typeof port> } & { [K in `${P}_HOST`]: z.ZodDefault<z.ZodString> };
}

export interface CommonConfig {
  kafkaBrokers: string[];
  /** TLS and SASL to Kafka (KAFKA_SSL_CA_FILE, KAFKA_SASL_*); both unset means plaintext. */
  kafkaSecurity: KafkaSecurity;
  logLevel: z.output<typeof logLevel>;
}

type CommonEnv = z.output<z.ZodObject<typeof commonFields>>;

export function commonConfig(parsed: CommonEnv): CommonConfig {
  return { kafkaBrokers: parsed.KAFKA_BROKERS, kafkaSecurity: kafkaSecurity(parsed), logLevel: parsed.LOG_LEVEL };
}

/** What the apps that write or decode report events read alike: the common block, the registry, the topic. */
export const reportEventFields = { ...commonFields, ...registryField, ...reportTopicField, ...partitionsField };

export interface ReportEventConfig extends CommonConfig {
  schemaRegistryUrl: string;
  reportTopic: string;
  /** Partitions of the report topic if the app has to create it. */
  partitions: number;
}

export function reportEventConfig(parsed: z.output<z.ZodObject<typeof reportEventFields>>): ReportEventConfig {
  return {
    ...commonConfig(parsed),
    schemaRegistryUrl: parsed.SCHEMA_REGISTRY_URL,
    reportTopic: parsed.REPORT_TOPIC,
    partitions: partitionsOf(parsed),
  };
}

/**
 * The pipeline's names as a tool or test sees them: the same variables and defaults as the apps'
 * config, for those that start apps or make topics and ACLs for them.
 */
export interface PipelineNames {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  databaseUrl: string;
  reportTopic: string;
  deadLetterTopic: string;
  consumerGroup: string;
  partitions: number;
}

export function pipelineNames(env: Record<string, string | undefined>): PipelineNames {
  const parsed = parseEnv(
    z.object({
      KAFKA_BROKERS: commonFields.KAFKA_BROKERS,
      ...registryField,
      DATABASE_URL: z.string().default(DEFAULTS.databaseUrl),
      ...reportTopicField,
      ...deadLetterTopicField,
      ...consumerGroupField,
      ...partitionsField,
    }),
    env,
  );
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS,
    schemaRegistryUrl: parsed.SCHEMA_REGISTRY_URL,
    databaseUrl: parsed.DATABASE_URL,
    reportTopic: parsed.REPORT_TOPIC,
    deadLetterTopic: parsed.DEAD_LETTER_TOPIC,
    consumerGroup: parsed.CONSUMER_GROUP,
    partitions: partitionsOf(parsed),
  };
}
