// Where a topic's schema lives in the registry, named in one place.
/**
 * The registry subject a topic's record values are registered under: Kafka's TopicNameStrategy,
 * the default of every Confluent client, so other tools find Tally's schemas where they look.
 */
export function valueSubject(topic: string): string {
  if (topic.length === 0) throw new RangeError('topic must not be empty');
  return `${topic}-value`;
}
