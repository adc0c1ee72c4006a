// @tally/kafka: the kafkajs client as every Tally app sets it up, its JSON log creator, and topic creation.
export { createKafkaClient, type KafkaClientSecurity, secretScrubber } from './client.ts';
export { COORDINATOR_GRACE_MS, COORDINATOR_NOT_READY, coordinatorNotReady, kafkajsLogCreator } from './log.ts';
export { createTopicAndWait, ensureTopic } from './topics.ts';
