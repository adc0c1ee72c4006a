export { httpUrl, kafkaBrokers, logLevel, port, postgresUrl, topicName } from './fields.ts';
export { type KafkaSasl, type KafkaSecurity, kafkaSecurity, kafkaSecurityFields } from './kafka-security.ts';
export { ConfigError, parseEnv, redactUrl } from './parse-env.ts';
export {
  type CommonConfig,
  commonConfig,
  commonFields,
  consumerGroupField,
  DEFAULTS,
  deadLetterTopicField,
  listenFields,
  type PipelineNames,
  partitionsField,
  pipelineNames,
  registryField,
  reportTopicField,
} from './pipeline.ts';
