export { createKafkaClient, type KafkaClientSecurity, secretScrubber, silenceKafkajsTimerWarning } from './client.ts';
export { createTopicAndWait, ensureTopic } from './topics.ts';
