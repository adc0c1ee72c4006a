export { httpUrl, kafkaBrokers, logLevel, port, postgresUrl, topicName } from './fields.ts';
export { ConfigError, parseEnv, redactUrl } from './parse-env.ts';
