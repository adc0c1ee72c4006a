// The events of unknown fate that Kafka holds: an event that got no 202 after an attempt that may have reached
// Kafka (a broker killed mid-send, a timeout) is counted if and only if it is on the report topic. The ids of events
// sent without one were made by the producer and never seen by the load, so they are found by content (user,
// action, time, value): the topic's distinct event_ids with an uncertain event's content, less the ids of the
// accepted events with that content, are the ones that landed (landedEvents). Everything else stays exact.

import { contentKey, type UncertainEvent } from '@tally/load/ledger';
import { createReportCodec } from '@tally/schemas/codec';
import type { GeneratedEvent } from '@tally/testkit';
import { testRegistry } from '@tally/testkit';
import { readWholeTopic } from './read-topic.ts';

/** The distinct event_ids on the topic per content, counted only for the contents asked about. */
export async function idsByContent(
  brokers: string[],
  topic: string,
  contents: ReadonlySet<string>,
): Promise<Map<string, Set<string>>> {
  const codec = createReportCodec({ registry: testRegistry, topic, register: false });
  const ids = new Map<string, Set<string>>();
  for (const message of await readWholeTopic(brokers, topic)) {
    const decoded = await codec.decode(message.value);
    if (!decoded.ok) continue; // poison: never counted, checked by dead-letters.ts
    const { event_id, user_id, action, occurred_at, value } = decoded.event;
    const key = contentKey({ user_id, action, occurred_at, ...(value === null ? {} : { value }) });
    if (!contents.has(key)) continue;
    const set = ids.get(key) ?? new Set<string>();
    ids.set(key, set.add(event_id.toLowerCase()));
  }
  return ids;
}

/**
 * Which uncertain events landed, given the topic's distinct ids per content (pure: unit-tested). One sent with an id
 * landed if that id is on the topic. One sent without (the producer made its id, never seen by the load) is matched
 * by content: the content's ids on the topic that are neither an accepted event's nor a known uncertain one's, at
 * most one each. So an accepted event that was lost never hides behind one of unknown fate.
 */
export function landedEvents(
  uncertain: readonly UncertainEvent[],
  ids: ReadonlyMap<string, ReadonlySet<string>>,
): GeneratedEvent[] {
  const groups = new Map<string, UncertainEvent[]>();
  for (const event of uncertain) {
    const key = contentKey(event);
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  return [...groups].flatMap(([key, events]) => {
    const onTopic = ids.get(key) ?? new Set<string>();
    const known = new Set([
      ...(events[0]?.acceptedAlike ?? []),
      ...events.flatMap((e) => (e.sentId === undefined ? [] : [e.sentId])),
    ]);
    let unknown = [...onTopic].filter((id) => !known.has(id)).length;
    return events.flatMap(({ acceptedAlike: _, sentId, ...event }) => {
      if (sentId !== undefined) return onTopic.has(sentId) ? [event] : [];
      if (unknown === 0) return [];
      unknown -= 1;
      return [event];
    });
  });
}

export async function findLanded(
  brokers: string[],
  topic: string,
  uncertain: readonly UncertainEvent[],
): Promise<GeneratedEvent[]> {
  if (uncertain.length === 0) return [];
  return landedEvents(uncertain, await idsByContent(brokers, topic, new Set(uncertain.map(contentKey))));
}
