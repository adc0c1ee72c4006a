// @tally/config: the parsing of the environment every app shares, and the pipeline's names and defaults.
export { amqpUrl, httpUrl, kafkaBrokers, logLevel, port, postgresUrl, topicName } from './fields.ts';
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
  type ReportEventConfig,
  registryField,
  reportEventConfig,
  reportEventFields,
  reportTopicField,
} from './pipeline.ts';
