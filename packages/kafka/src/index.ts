// @tally/kafka: the kafkajs client as every Tally app sets it up, its JSON log creator, topic
// creation, and the report topic's producer.
export { createKafkaClient, type KafkaClientSecurity, secretScrubber } from './client.ts';
export { kafkajsLogCreator, STARTUP_WAIT_GRACE_MS, STARTUP_WAITS, STARTUP_WINDOW_MS, startupWait } from './log.ts';
export { createReportProducer } from './report-producer.ts';
export { createTopicAndWait, ensureTopic } from './topics.ts';
