export { createKafkaClient, silenceKafkajsTimerWarning } from './client.ts';
export { createTopicAndWait, ensureTopic } from './topics.ts';
