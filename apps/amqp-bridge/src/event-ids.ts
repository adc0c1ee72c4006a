// The event ids of a message's events that carry none of their own, chosen so a redelivery is
// counted once by the consumer's dedupe:
// - with a `message_id` property: derived from it (UUID v5), the same in any process, for ever;
// - without one: new UUID v7s, remembered while the delivery is unacknowledged, so that the same
//   message redelivered to this process (after a reconnect or a release) gets the same ids back.
//   Only a redelivery this process never saw (it crashed, or another bridge took the message)
//   gets new ones: that is the one case where a message may count twice.
import { createHash } from 'node:crypto';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/**
 * The namespace of ids derived from message_id. TRICKY: never change it, nor the name format in
 * derivedEventId: a message redelivered across the upgrade would count twice.
 */
const MESSAGE_ID_NAMESPACE = '2224f948-2681-4e89-ae48-6768d7521a58';

/**
 * The id of the event at `index` of the message `messageId` from `appId`: publishers that number their messages
 * alike (1, 2, 3…) do not share ids as long as their app_id differs.
 */
export function derivedEventId(messageId: string, appId: string | undefined, index: number): string {
  return uuidv5(`${appId ?? ''}\0${messageId}\0${index}`, MESSAGE_ID_NAMESPACE);
}

/** What identifies a message's content when it has no message_id: its body and the properties that become fields. */
export function contentKey(body: Buffer, properties: Record<string, unknown>): string {
  return createHash('sha1').update(JSON.stringify(properties)).update('\0').update(body).digest('base64');
}

/** The ids a delivery's events get, and how they were chosen. */
export interface DeliveryIds {
  /** The id of the event at `index` that came without an event_id. */
  newEventId: (index: number) => string;
  kind: 'message_id' | 'remembered' | 'new';
  /** Forget the ids once the delivery is acknowledged (no-op for derived ids). */
  settle(): void;
}

export interface IdMemory {
  /**
   * The ids for a delivery on the channel of `generation` (a number that grows with every channel
   * the bridge opens). A redelivered message takes back the ids of an identical message delivered
   * on an earlier channel and not acknowledged there.
   */
  idsFor(delivery: {
    key: string;
    messageId: string | undefined;
    appId: string | undefined;
    redelivered: boolean;
    generation: number;
  }): DeliveryIds;
  /** Entries held (for tests and a metric). */
  size(): number;
}

interface Entry {
  ids: string[];
  generation: number;
}

/** `limit` bounds the entries kept: the oldest go first (their messages were taken by another consumer). */
export function createIdMemory(limit: number): IdMemory {
  const byKey = new Map<string, Entry[]>();
  let size = 0;

  const remove = (key: string, entry: Entry) => {
    const entries = byKey.get(key);
    const at = entries?.indexOf(entry) ?? -1;
    if (!entries || at < 0) return;
    entries.splice(at, 1);
    size--;
    if (entries.length === 0) byKey.delete(key);
  };

  const evictOldest = () => {
    // Map iteration is insertion order: the first key holds the oldest entries.
    const [key, entries] = byKey.entries().next().value ?? [];
    if (key !== undefined && entries?.[0]) remove(key, entries[0]);
  };

  return {
    idsFor({ key, messageId, appId, redelivered, generation }) {
      if (messageId !== undefined && messageId !== '') {
        return { newEventId: (index) => derivedEventId(messageId, appId, index), kind: 'message_id', settle: () => undefined };
      }
      const earlier = redelivered ? byKey.get(key)?.find((entry) => entry.generation < generation) : undefined;
      const entry = earlier ?? { ids: [], generation };
      entry.generation = generation;
      if (!earlier) {
        if (size >= limit) evictOldest();
        byKey.set(key, [...(byKey.get(key) ?? []), entry]);
        size++;
      }
      return {
        newEventId: (index) => {
          entry.ids[index] ??= uuidv7();
          return entry.ids[index];
        },
        kind: earlier ? 'remembered' : 'new',
        settle: () => remove(key, entry),
      };
    },
    size: () => size,
  };
}
