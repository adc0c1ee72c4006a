import rateLimit from '@fastify/rate-limit';
import { addHealthRoutes } from '@tally/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { authenticate } from './api-keys/authenticate.ts';
import type { KeyRing } from './api-keys/key-ring.ts';
import type { IngestAnswer } from './ingest.ts';
import type { ProducerMetrics } from './metrics.ts';
import { BodyError, inputsOf, MAX_BODY_BYTES, registerBodyParsers } from './request-body.ts';

export interface ServerDeps {
  /** The app's logger; none in tests. */
  log?: FastifyBaseLogger;
  ingest: (inputs: unknown[]) => Promise<IngestAnswer>;
  metrics: ProducerMetrics;
  /** Whether Kafka and the registry are reachable, with what each said. */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** True once shutdown began. */
  draining: () => boolean;
  /** API keys for POST /v1/events, each limited to its requests a minute; without it ingest is open. */
  auth?: { keyRing: KeyRing; rateLimitPerMinute: number };
}

const OUTCOMES: Record<number, string> = { 413: 'too_large', 415: 'unsupported_media_type', 429: 'rate_limited' };

/** The producer's HTTP API. Built without listening, so tests drive it with inject(). */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = deps.log
    ? Fastify({ loggerInstance: deps.log, bodyLimit: MAX_BODY_BYTES })
    : Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  registerBodyParsers(app);
  // TRICKY: while draining, every answer closes its connection; an idle keep-alive connection
  // would otherwise hold server.close() for the whole keep-alive timeout (72 s in Fastify).
  app.addHook('onSend', async (_request, reply) => {
    if (deps.draining()) reply.header('connection', 'close');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error instanceof BodyError ? error.statusCode : (error.statusCode ?? 500);
    const outcome = OUTCOMES[status] ?? (status < 500 ? 'invalid' : 'error');
    deps.metrics.requests.inc({ outcome });
    const message =
      status === 413
        ? `body is larger than ${MAX_BODY_BYTES} bytes`
        : status === 415
          ? `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json or application/x-ndjson`
          : status < 500
            ? error.message
            : 'internal error';
    if (status >= 500) request.log.error({ event: 'request_failed', err: error }, 'request failed');
    return reply.status(status).send({ errors: [{ index: null, path: '', message }] });
  });

  app.decorateRequest('apiKey', null);
  app.register(async (ingest) => {
    const { auth } = deps;
    if (auth) {
      await ingest.register(rateLimit, {
        global: false,
        // Per key, counted in this process: each producer instance allows a key its own limit.
        keyGenerator: (request) => request.apiKey?.id ?? request.ip,
        max: (request) => request.apiKey?.rate_limit_per_minute ?? auth.rateLimitPerMinute,
        timeWindow: 60_000,
        errorResponseBuilder: (request, context) => ({
          statusCode: 429,
          message: `API key ${request.apiKey?.id ?? '(none)'} is over its limit of ${context.max} requests a minute; retry after ${Math.ceil(context.ttl / 1000)} s`,
        }),
      });
    }
    ingest.post(
      '/v1/events',
      auth
        ? {
            onRequest: authenticate(auth.keyRing, () => deps.metrics.requests.inc({ outcome: 'unauthorized' })),
            config: { rateLimit: {} },
          }
        : {},
      async (request, reply) => {
        const answer = await deps.ingest(inputsOf(request.body));
        if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
        return reply.status(answer.status).send(answer.body);
      },
    );
  });

  // Readiness: Kafka and the registry answer.
  addHealthRoutes(app, { readiness: deps.readiness, metrics: deps.metrics.registry });
  return app;
}
