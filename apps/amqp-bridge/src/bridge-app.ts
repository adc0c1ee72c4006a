// Wires the bridge: the report and dead-letter topics, the idempotent Kafka producer, the registry
// codec, the forwarder, the RabbitMQ source feeding it, and the health server (ready when RabbitMQ
// is consumed, and neither Kafka nor the registry keeps deliveries waiting). Does not listen;
// main.ts does, tests use inject().
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DEFAULTS } from '@tally/config';
import { createReportProducer, ensureTopic } from '@tally/kafka';
import { buildHealthServer, readinessOf } from '@tally/runtime';
import { createReportCodec } from '@tally/schemas/codec';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAmqpSource } from './amqp/source.ts';
import type { BridgeConfig } from './config.ts';
import { createIdMemory } from './event-ids.ts';
import { createForwarder } from './forward.ts';
import { createMetrics } from './metrics.ts';
import { createKafka, createSend } from './send.ts';

export interface RunningBridge {
  server: FastifyInstance;
  /** Graceful: take no more deliveries, forward and ack those held, close RabbitMQ and Kafka. */
  stop(): Promise<void>;
}

/** A batch closes at this many events, as the producer's default PRODUCER_BATCH_MAX_EVENTS. */
const MAX_BATCH_EVENTS = 10_000;

export async function startBridge(
  config: BridgeConfig,
  log: Logger,
  options: { defaultMetrics?: boolean } = {},
): Promise<RunningBridge> {
  const kafka = createKafka(config, log);
  await ensureTopic(kafka, config.reportTopic, config.partitions, log);
  await ensureTopic(kafka, config.deadLetterTopic, DEFAULTS.deadLetterTopicPartitions, log);
  const producer = createReportProducer(kafka);
  await producer.connect();

  const codec = createReportCodec({
    registry: new SchemaRegistry({ host: config.schemaRegistryUrl }),
    topic: config.reportTopic,
  });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  // NOTE: far more than the prefetch can hold, so a release and its redeliveries always find their ids.
  const memory = createIdMemory(Math.max(100_000, config.prefetch * 20));

  let forwarder: ReturnType<typeof createForwarder> | undefined;
  const source = createAmqpSource({
    url: config.amqpUrl,
    queue: config.queue,
    prefetch: config.prefetch,
    log,
    onDelivery: (delivery) => forwarder?.deliver(delivery),
    onLost: (generation) => forwarder?.lost(generation),
    onReconnect: () => metrics.reconnects.inc(),
  });
  forwarder = createForwarder({
    queue: config.queue,
    reportTopic: config.reportTopic,
    deadLetterTopic: config.deadLetterTopic,
    source,
    encoder: () => codec.encoder(),
    send: createSend(producer),
    memory,
    metrics,
    log,
    now: Date.now,
    releaseAfterMs: config.releaseAfterMs,
    maxBatchEvents: MAX_BATCH_EVENTS,
  });
  metrics.watchHeld(() => forwarder?.held() ?? 0);
  source.start();

  const server = buildHealthServer({
    log,
    metrics: metrics.registry,
    readiness: async () => {
      const { kafka: kafkaCheck, registry } = forwarder?.readiness() ?? { kafka: 'starting', registry: 'starting' };
      return readinessOf({ amqp: source.state(), kafka: kafkaCheck, registry });
    },
  });

  return {
    server,
    async stop() {
      await source.cancel();
      await forwarder?.drained();
      forwarder?.stop();
      await source.close();
      await server.close();
      await producer.disconnect();
    },
  };
}
