export { httpUrl, kafkaBrokers, logLevel, port, postgresUrl, topicName } from './fields.ts';
export { type KafkaSasl, type KafkaSecurity, kafkaSecurity, kafkaSecurityFields } from './kafka-security.ts';
export { ConfigError, parseEnv, redactUrl } from './parse-env.ts';
