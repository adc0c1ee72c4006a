export { createKafkaClient, type KafkaClientSecurity, secretScrubber } from './client.ts';
export { COORDINATOR_GRACE_MS, COORDINATOR_NOT_READY, coordinatorNotReady, kafkajsLogCreator } from './log.ts';
export { createTopicAndWait, ensureTopic } from './topics.ts';
