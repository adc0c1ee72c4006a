// Wires the producer: report topic, idempotent Kafka producer, registry codec, batcher, ingest, HTTP
// API. Does not listen; main.ts does, tests use inject().
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createReportProducer, ensureTopic } from '@tally/kafka';
import { createReportCodec } from '@tally/schemas/codec';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { openKeyRing } from './api-keys/key-ring.ts';
import type { ProducerConfig } from './config.ts';
import { buildServer } from './http/server.ts';
import { createBatcher } from './ingest/batcher.ts';
import { createIngest } from './ingest/ingest.ts';
import { createKafka, createSend } from './ingest/send.ts';
import { createMetrics } from './metrics.ts';

export interface RunningProducer {
  server: FastifyInstance;
  /** Graceful: refuse new events (503), flush and answer those accepted, close, disconnect. */
  stop(): Promise<void>;
}

export async function startProducer(
  config: ProducerConfig,
  log: Logger,
  options: { defaultMetrics?: boolean } = {},
): Promise<RunningProducer> {
  const kafka = createKafka(config, log);
  await ensureTopic(kafka, config.reportTopic, config.partitions, log);

  const producer = createReportProducer(kafka);
  let kafkaConnected = false;
  producer.on(producer.events.CONNECT, () => {
    kafkaConnected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    kafkaConnected = false;
  });
  await producer.connect();

  const codec = createReportCodec({
    registry: new SchemaRegistry({ host: config.schemaRegistryUrl }),
    topic: config.reportTopic,
  });
  const schemaId = await codec.schemaId();
  log.info({ event: 'schema_registered', subject: codec.subject, schema_id: schemaId }, 'schema registered');

  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const batcher = createBatcher({
    lingerMs: config.lingerMs,
    maxRecords: config.batchMaxEvents,
    maxBytes: config.batchMaxBytes,
    maxPending: config.bufferEvents,
    send: createSend(producer, config),
    onBatch: ({ records, seconds, ok }) => {
      metrics.produceSeconds.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
      metrics.batchEvents.observe(records);
    },
  });
  metrics.watchBuffer(() => batcher.pending());

  let draining = false;
  const ingest = createIngest({
    encoder: () => codec.encoder(),
    batcher,
    metrics,
    now: Date.now,
    ackTimeoutMs: config.ackTimeoutMs,
    draining: () => draining,
  });

  const keyRing = config.apiKeysFile === undefined ? undefined : openKeyRing(config.apiKeysFile, log);
  if (!keyRing) {
    log.warn(
      { event: 'ingest_open' },
      'INGEST_API_KEYS_FILE is not set: anyone who can reach this port may send events (fine on a laptop, not in production)',
    );
  }
  const server = buildServer({
    log,
    ...(keyRing ? { auth: { keyRing, rateLimitPerMinute: config.rateLimitPerMinute } } : {}),
    draining: () => draining,
    ingest,
    metrics,
    readiness: async () => {
      const registry = await fetch(`${config.schemaRegistryUrl}/subjects`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => (response.ok ? 'ok' : `answered ${response.status}`),
        (error: Error) => `unreachable: ${error.message}`,
      );
      const kafkaState = kafkaConnected ? 'ok' : 'disconnected';
      return { ready: !draining && kafkaState === 'ok' && registry === 'ok', checks: { kafka: kafkaState, registry } };
    },
  });

  return {
    server,
    async stop() {
      // New requests get 503 from here on; those already accepted are flushed and answered, and
      // only then does the listener close.
      draining = true;
      await batcher.flush();
      await server.close();
      await batcher.flush();
      await producer.disconnect();
      keyRing?.close();
    },
  };
}
