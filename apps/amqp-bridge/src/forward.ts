// The bridge's pipeline, one delivery after another in the order RabbitMQ gave them: read the body
// (body/read-body.ts), make the events (to-events.ts, ids from event-ids.ts) or a dead letter
// (dead-letter.ts), then in batches: encode, send to Kafka (send.ts, acks=all) and only then ack
// to RabbitMQ, once per batch with `multiple` (amqp/source.ts drops acks of a channel that is gone).
//
// One batch is in flight at a time, so when a batch is acknowledged every earlier delivery of its
// channel has been too, which is what makes a `multiple` ack right. While Kafka or the registry
// keeps a batch waiting, nothing is acked and RabbitMQ sends no more than the prefetch; past
// releaseAfterMs the deliveries are handed back to RabbitMQ (before its consumer_timeout closes the
// channel) and consuming resumes (while Kafka stays down, hold and release repeat). A batch holds at
// most maxBatchEvents events and MAX_BATCH_BODY_BYTES of bodies (one larger message goes alone), so
// no record batch Kafka gets is over its 1 MiB default limit.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportEvent } from '@tally/schemas';
import type { Message, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { AmqpSource, Delivery } from './amqp/source.ts';
import { readBody } from './body/read-body.ts';
import { deadLetterRecord } from './dead-letter.ts';
import { contentKey, type DeliveryIds, type IdMemory } from './event-ids.ts';
import type { BridgeMetrics } from './metrics.ts';
import { toEvents } from './to-events.ts';

export interface ForwarderDeps {
  queue: string;
  reportTopic: string;
  deadLetterTopic: string;
  source: Pick<AmqpSource, 'ack' | 'release' | 'resume'>;
  encoder: () => Promise<(event: ReportEvent) => Buffer>;
  send: (topicMessages: TopicMessages[]) => Promise<void>;
  memory: IdMemory;
  metrics: BridgeMetrics;
  log: Logger;
  now: () => number;
  releaseAfterMs: number;
  /** A batch closes at this many events (never splitting a message). */
  maxBatchEvents: number;
}

export interface Forwarder {
  deliver(delivery: Delivery): void;
  /** The channel of `generation` is gone: drop what of it waits (RabbitMQ has requeued it). */
  lost(generation: number): void;
  /** Resolves once nothing waits and nothing is in flight. */
  drained(): Promise<void>;
  held(): number;
  readiness(): { kafka: string; registry: string };
  stop(): void;
}

/** A delivery made ready to send: its events, or the dead letter it becomes. */
interface Prepared {
  delivery: Delivery;
  events: ReportEvent[];
  deadLetter: { code: string; reason: string } | undefined;
  ids: DeliveryIds | undefined;
}

/** How long a batch may wait on Kafka before /readyz says so. */
const STALL_MS = 5_000;
const RETRY_MAX_MS = 5_000;
/** Bodies per batch: a dead letter keeps at most 512 KiB of its body, a body is at most 1 MiB. */
export const MAX_BATCH_BODY_BYTES = 512 * 1024;

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const { metrics, log } = deps;
  const waiting: Prepared[] = [];
  const lostGenerations = new Set<number>();
  let inFlight: { batch: Prepared[]; step: 'registry' | 'kafka'; since: number; records: number } | undefined;
  let pumping: Promise<void> | undefined;
  let released = false;
  const lastError: { registry?: string; kafka?: string } = {};

  const isStale = (p: Prepared) => lostGenerations.has(p.delivery.generation);

  function prepare(delivery: Delivery): Prepared {
    const { message } = delivery;
    const { properties } = message;
    const prepared: Prepared = { delivery, events: [], deadLetter: undefined, ids: undefined };
    const read = readBody(message.content, properties);
    if (!read.ok) {
      prepared.deadLetter = { code: read.code, reason: read.reason };
      return prepared;
    }
    const mapped = {
      timestamp: typeof properties.timestamp === 'number' ? properties.timestamp : undefined,
      appId: typeof properties.appId === 'string' ? properties.appId : undefined,
    };
    const messageId = typeof properties.messageId === 'string' ? properties.messageId : undefined;
    const ids = deps.memory.idsFor({
      key: contentKey(message.content, { ...mapped, headers: properties.headers ?? null }),
      messageId,
      appId: mapped.appId,
      redelivered: message.fields.redelivered,
      generation: delivery.generation,
    });
    if (message.fields.redelivered) metrics.redeliveries.inc({ ids: ids.kind });
    const made = toEvents(read.inputs, mapped, { now: deps.now, newEventId: ids.newEventId });
    if (made.ok) {
      prepared.events = made.events;
      prepared.ids = ids;
    } else {
      ids.settle();
      prepared.deadLetter = { code: made.code, reason: made.reason };
    }
    return prepared;
  }

  function takeBatch(): Prepared[] {
    const batch: Prepared[] = [];
    let events = 0;
    let bytes = 0;
    while (waiting.length > 0) {
      const next = waiting[0] as Prepared;
      const size = next.delivery.message.content.length;
      if (batch.length > 0 && (events + next.events.length > deps.maxBatchEvents || bytes + size > MAX_BATCH_BODY_BYTES)) break;
      batch.push(next);
      waiting.shift();
      events += next.events.length;
      bytes += size;
    }
    return batch;
  }

  /** Runs `attempt` until it succeeds, or until every delivery of the batch is stale (then undefined). */
  async function untilDone<T>(step: 'registry' | 'kafka', batch: Prepared[], attempt: () => Promise<T>): Promise<T | undefined> {
    for (let tries = 0; ; tries++) {
      try {
        const result = await attempt();
        delete lastError[step];
        return result;
      } catch (error) {
        lastError[step] = error instanceof Error ? error.message : String(error);
        log.warn({ event: `bridge_${step}_failed`, err: error, messages: batch.length }, `${step} failed; retrying the batch`);
        if (batch.every(isStale)) return undefined;
        await sleep(Math.min(RETRY_MAX_MS, 100 * 2 ** tries));
      }
    }
  }

  function records(batch: Prepared[], encode: (event: ReportEvent) => Buffer): TopicMessages[] {
    const reports: Message[] = [];
    const deadLetters: Message[] = [];
    for (const p of batch) {
      if (!p.deadLetter) {
        try {
          const encoded = p.events.map((event) => ({ key: event.user_id, value: encode(event) }));
          reports.push(...encoded);
          continue;
        } catch (error) {
          // A validated event that does not fit the schema is a bug, not the message's fault; it is kept, not dropped.
          p.deadLetter = { code: 'ENCODE_INVALID', reason: error instanceof Error ? error.message : String(error) };
        }
      }
      const { message } = p.delivery;
      deadLetters.push(deadLetterRecord({ queue: deps.queue, ...message }, p.deadLetter.code, p.deadLetter.reason));
    }
    const topicMessages: TopicMessages[] = [];
    if (reports.length > 0) topicMessages.push({ topic: deps.reportTopic, messages: reports });
    if (deadLetters.length > 0) topicMessages.push({ topic: deps.deadLetterTopic, messages: deadLetters });
    return topicMessages;
  }

  function acknowledge(batch: Prepared[]): void {
    // The last delivery of each channel in the batch: acking it with `multiple` acks all before it.
    const last = new Map<number, Prepared>();
    for (const p of batch) last.set(p.delivery.generation, p);
    const acked = new Set<number>();
    for (const [generation, p] of last) {
      const confirmed = deps.source.ack(p.delivery);
      if (!confirmed) continue;
      acked.add(generation);
      // NOTE: the ids are forgotten only once RabbitMQ surely has the ack; until then a redelivery
      // must get them again (the connection dropped with the acks unsent is the common case).
      // The limit, in docs/amqp-bridge.md: if RabbitMQ did get the ack, the ids stay until the
      // memory's bound evicts them, and a later message of the very same content and no
      // message_id, delivered on a newer channel, could be given them and dropped as a resend.
      const settled = batch.filter((q) => q.delivery.generation === generation);
      void confirmed.then((ok) => {
        if (ok) for (const q of settled) q.ids?.settle();
      });
    }
    for (const p of batch) {
      if (!acked.has(p.delivery.generation)) {
        // NOTE: the ids stay remembered: RabbitMQ redelivers the message and it must get them again.
        metrics.staleAcks.inc();
        continue;
      }
      if (p.deadLetter) {
        metrics.messages.inc({ outcome: 'dead_lettered' });
        metrics.deadLetters.inc({ code: p.deadLetter.code });
        log.warn(
          {
            event: 'bridge_dead_letter',
            code: p.deadLetter.code,
            reason: p.deadLetter.reason,
            message_id: p.delivery.message.properties.messageId,
          },
          'message sent to the dead-letter topic',
        );
      } else {
        metrics.messages.inc({ outcome: 'forwarded' });
        metrics.events.inc(p.events.length);
      }
    }
    metrics.batchMessages.observe(batch.length);
  }

  async function forward(batch: Prepared[]): Promise<void> {
    inFlight = { batch, step: 'registry', since: deps.now(), records: 0 };
    const encode = await untilDone('registry', batch, deps.encoder);
    if (!encode) return;
    const topicMessages = records(batch, encode);
    inFlight = { batch, step: 'kafka', since: deps.now(), records: topicMessages.reduce((n, t) => n + t.messages.length, 0) };
    const started = process.hrtime.bigint();
    const sent = await untilDone('kafka', batch, () => deps.send(topicMessages).then(() => true));
    if (!sent) return;
    metrics.produceSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    acknowledge(batch);
  }

  async function pump(): Promise<void> {
    try {
      while (waiting.length > 0) {
        const batch = takeBatch();
        await forward(batch);
        inFlight = undefined;
        if (released) {
          released = false;
          log.info({ event: 'bridge_resuming' }, 'consuming again after a release');
          deps.source.resume();
        }
      }
    } finally {
      inFlight = undefined;
      pumping = undefined;
    }
  }

  const watchdog = setInterval(() => {
    if (!inFlight || released) return;
    const oldest = Math.min(...inFlight.batch.map((p) => p.delivery.receivedAt));
    const heldMs = deps.now() - oldest;
    if (heldMs < deps.releaseAfterMs) return;
    released = true;
    metrics.releases.inc();
    const reason = `${inFlight.step === 'kafka' ? 'Kafka' : 'the registry'} kept a batch waiting ${Math.round(heldMs / 1000)} s`;
    log.warn({ event: 'bridge_releasing', reason, held_ms: heldMs }, `${reason}: handing the deliveries back to RabbitMQ`);
    void deps.source.release(reason);
  }, 1_000);
  watchdog.unref();

  return {
    deliver(delivery) {
      let prepared: Prepared;
      try {
        prepared = prepare(delivery);
      } catch (error) {
        // A bug in a pure step must not lose the message: it is dead-lettered with the error.
        prepared = { delivery, events: [], deadLetter: { code: 'BRIDGE_ERROR', reason: String(error) }, ids: undefined };
      }
      waiting.push(prepared);
      pumping ??= pump();
    },
    lost(generation) {
      lostGenerations.add(generation);
      for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i]?.delivery.generation === generation) waiting.splice(i, 1);
    },
    async drained() {
      while (pumping) await pumping;
    },
    held: () => waiting.length + (inFlight?.batch.length ?? 0),
    readiness() {
      const waitedMs = inFlight ? deps.now() - inFlight.since : 0;
      const held = waiting.length + (inFlight?.batch.length ?? 0);
      const kafka =
        inFlight?.step === 'kafka' && waitedMs >= STALL_MS
          ? `waiting ${Math.round(waitedMs / 1000)} s for Kafka to acknowledge ${inFlight.records} records; ${held} messages held unacked in RabbitMQ${lastError.kafka ? ` (${lastError.kafka})` : ''}${released ? ', handed back to RabbitMQ until Kafka answers' : ''}`
          : 'ok';
      const registry =
        inFlight?.step === 'registry' && lastError.registry !== undefined
          ? `unavailable, ${held} messages held unacked in RabbitMQ: ${lastError.registry}`
          : 'ok';
      return { kafka, registry };
    },
    stop() {
      clearInterval(watchdog);
    },
  };
}
