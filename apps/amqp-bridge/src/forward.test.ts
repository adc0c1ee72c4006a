// The forwarder's order of things with a source, a send and an encoder the test controls: nothing
// acked before Kafka acknowledged, one multiple-ack per channel per batch, no ack for a channel
// that is gone, dead letters sent and acked, a release when Kafka keeps a batch too long.
import { eventually } from '@tally/testkit';
import type { ConsumeMessage } from 'amqplib';
import type { TopicMessages } from 'kafkajs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from './amqp/source.ts';
import { createIdMemory } from './event-ids.ts';
import { createForwarder, type Forwarder, MAX_BATCH_BODY_BYTES } from './forward.ts';
import { createMetrics } from './metrics.ts';

const GOOD = "{'user_id': 1, 'action': 'login', 'timestamp': '2021-01-01 10:00:00'}";

function delivery(generation: number, tag: number, body = GOOD, redelivered = false): Delivery {
  const message = {
    content: Buffer.from(body),
    fields: { deliveryTag: tag, redelivered, exchange: '', routingKey: 'q', consumerTag: 'c' },
    properties: { headers: {} },
  } as unknown as ConsumeMessage;
  return { generation, message, receivedAt: Date.now() };
}

function harness(options: { releaseAfterMs?: number } = {}) {
  const acks: { generation: number; tag: number }[] = [];
  const sends: { topicMessages: TopicMessages[]; settle: (error?: Error) => void }[] = [];
  let live = 1;
  const released: string[] = [];
  let resumed = 0;
  const metrics = createMetrics({ defaultMetrics: false });
  const forwarder: Forwarder = createForwarder({
    queue: 'q',
    reportTopic: 'reports',
    deadLetterTopic: 'reports.dlq',
    source: {
      ack: (d) => {
        if (d.generation !== live) return undefined;
        acks.push({ generation: d.generation, tag: d.message.fields.deliveryTag });
        return Promise.resolve(true);
      },
      release: async (reason) => {
        released.push(reason);
      },
      resume: () => {
        resumed++;
      },
    },
    encoder: async () => (event) => Buffer.from(event.event_id),
    send: (topicMessages) =>
      new Promise<void>((resolve, reject) =>
        sends.push({ topicMessages, settle: (error) => (error ? reject(error) : resolve()) }),
      ),
    memory: createIdMemory(100),
    metrics,
    log: pino({ level: 'silent' }),
    now: Date.now,
    releaseAfterMs: options.releaseAfterMs ?? 600_000,
    maxBatchEvents: 10_000,
  });
  return {
    forwarder,
    acks,
    sends,
    released,
    resumed: () => resumed,
    metrics,
    switchChannel: (generation: number) => {
      forwarder.lost(live);
      live = generation;
    },
  };
}

const until = (what: string, condition: () => boolean) => eventually(what, async () => condition(), 3_000, 2);

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('the forwarder', () => {
  it('acks nothing until Kafka acknowledged, then the batch once with its last tag', async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    h.forwarder.deliver(delivery(1, 2));
    h.forwarder.deliver(delivery(1, 3));
    expect(h.acks).toEqual([]);
    h.sends[0]?.settle();
    await until('the second send', () => h.sends.length === 2);
    expect(h.acks).toEqual([{ generation: 1, tag: 1 }]);
    expect(h.sends[1]?.topicMessages[0]?.messages).toHaveLength(2);
    h.sends[1]?.settle();
    await until('the second ack', () => h.acks.length === 2);
    expect(h.acks[1]).toEqual({ generation: 1, tag: 3 });
    expect(h.forwarder.held()).toBe(0);
  });

  it(`keeps a batch's bodies within ${MAX_BATCH_BODY_BYTES} bytes, so Kafka never gets a record batch over its limit`, async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    // Four unreadable 300 KiB bodies (dead letters) wait behind it: two batches of at most one body over half the cap.
    const big = `x${'\u00ff'.repeat(150 * 1024)}`;
    for (let tag = 2; tag <= 5; tag++) h.forwarder.deliver(delivery(1, tag, big));
    h.sends[0]?.settle();
    for (let n = 2; n <= 5; n++) {
      await until(`send ${n}`, () => h.sends.length === n);
      const bytes = (h.sends[n - 1]?.topicMessages ?? [])
        .flatMap((t) => t.messages)
        .reduce((sum, m) => sum + (m.value?.length ?? 0), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BODY_BYTES);
      h.sends[n - 1]?.settle();
    }
    await until('every delivery acked', () => h.acks.at(-1)?.tag === 5);
  });

  it('never acks a tag of a channel that is gone, and drops what of it waits', async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    h.forwarder.deliver(delivery(1, 2));
    h.switchChannel(2);
    h.forwarder.deliver(delivery(2, 1, GOOD, true));
    h.sends[0]?.settle();
    await until('the second send', () => h.sends.length === 2);
    // Tag 2 of channel 1 was dropped; tag 1 of channel 1 was never acked (its channel was gone by then).
    expect(h.sends[1]?.topicMessages[0]?.messages).toHaveLength(1);
    h.sends[1]?.settle();
    await until('an ack', () => h.acks.length === 1);
    expect(h.acks).toEqual([{ generation: 2, tag: 1 }]);
    expect(await h.metrics.registry.getSingleMetricAsString('tally_bridge_stale_acks_dropped_total')).toContain(' 1');
  });

  it('gives a message redelivered on a new channel the event ids it had', async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    h.switchChannel(2);
    h.forwarder.deliver(delivery(2, 1, GOOD, true));
    h.sends[0]?.settle();
    await until('the second send', () => h.sends.length === 2);
    const ids = h.sends.map((s) => s.topicMessages[0]?.messages[0]?.value?.toString());
    expect(ids[1]).toBe(ids[0]);
  });

  it('sends a bad message to the dead-letter topic with its reason, and acks it after Kafka like any other', async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1, 'not a dict'));
    await until('the dead letter sent', () => h.sends.length === 1);
    const [dlq] = h.sends[0]?.topicMessages ?? [];
    expect(dlq?.topic).toBe('reports.dlq');
    expect(dlq?.messages[0]?.headers?.['tally-dlq-reason-code']).toBe('BODY_UNREADABLE');
    expect(dlq?.messages[0]?.value?.toString()).toBe('not a dict');
    expect(h.acks).toEqual([]);
    h.sends[0]?.settle();
    await until('its ack', () => h.acks.length === 1);
    h.forwarder.deliver(delivery(1, 2));
    await until('the next message sent', () => h.sends.length === 2);
    expect(h.sends[1]?.topicMessages[0]?.topic).toBe('reports');
  });

  it('keeps trying a batch Kafka refused, acking only once it went through', async () => {
    const h = harness();
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    h.sends[0]?.settle(new Error('broker down'));
    await until('a retry', () => h.sends.length === 2);
    expect(h.acks).toEqual([]);
    h.sends[1]?.settle();
    await until('the ack', () => h.acks.length === 1);
  });

  it('hands the deliveries back when Kafka keeps a batch past releaseAfterMs, and resumes once it went through', async () => {
    const h = harness({ releaseAfterMs: 1 });
    stop = h.forwarder.stop;
    h.forwarder.deliver(delivery(1, 1));
    await until('the first send', () => h.sends.length === 1);
    await eventually('a release', async () => h.released.length === 1, 5_000, 50);
    expect(h.released[0]).toMatch(/^Kafka kept a batch waiting \d+ s$/);
    expect(h.forwarder.readiness().kafka).toMatch(/^waiting|^ok$/);
    h.switchChannel(2);
    h.sends[0]?.settle();
    await until('consuming again', () => h.resumed() === 1);
    expect(h.acks).toEqual([]);
  });
});
