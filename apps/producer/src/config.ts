import { httpUrl, kafkaBrokers, logLevel, parseEnv, port, topicName } from '@tally/config';
import { z } from 'zod';

/** Everything the producer reads from its environment; nothing else reads `process.env`. */
const schema = z.object({
  KAFKA_BROKERS: kafkaBrokers.default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: httpUrl.default('http://127.0.0.1:8081/apis/ccompat/v7'),
  REPORT_TOPIC: topicName.default('report-events'),
  PRODUCER_PORT: port.default(3000),
  PRODUCER_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevel.default('info'),
});

export interface ProducerConfig {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  reportTopic: string;
  port: number;
  host: string;
  logLevel: z.output<typeof logLevel>;
}

export function loadConfig(env: Record<string, string | undefined>): ProducerConfig {
  const parsed = parseEnv(schema, env);
  return {
    kafkaBrokers: parsed.KAFKA_BROKERS,
    schemaRegistryUrl: parsed.SCHEMA_REGISTRY_URL,
    reportTopic: parsed.REPORT_TOPIC,
    port: parsed.PRODUCER_PORT,
    host: parsed.PRODUCER_HOST,
    logLevel: parsed.LOG_LEVEL,
  };
}
