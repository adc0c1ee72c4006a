export { createKafkaClient, silenceKafkajsTimerWarning } from './client.ts';
export { ensureTopic } from './topics.ts';
