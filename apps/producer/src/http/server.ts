// The producer's HTTP API: POST /v1/events (body → authenticate → ingest, told the request's
// Idempotency-Key and API key id), the health routes, and errors answered by their code. Built
// without listening, so tests drive it with inject().
import rateLimit from '@fastify/rate-limit';
import { addHealthRoutes } from '@tally/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { KeyRing } from '../api-keys/key-ring.ts';
import { codeOf } from '../errors.ts';
import type { IngestAnswer } from '../ingest/answer.ts';
import type { IngestRequest } from '../ingest/ingest.ts';
import type { ProducerMetrics } from '../metrics.ts';
import { authenticate } from './authenticate.ts';
import { inputsOf, MAX_BODY_BYTES, registerBodyParsers } from './request-body.ts';

export interface ServerDeps {
  /** The app's logger; none in tests. */
  log?: FastifyBaseLogger;
  ingest: (inputs: unknown[], request: IngestRequest) => Promise<IngestAnswer>;
  metrics: ProducerMetrics;
  /** Whether Kafka and the registry are reachable, with what each said. */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** True once shutdown began. */
  draining: () => boolean;
  /** API keys for POST /v1/events, each limited to its requests a minute; without it ingest is open. */
  auth?: { keyRing: KeyRing; rateLimitPerMinute: number };
}

interface ErrorAnswer {
  status: number;
  outcome: string;
  message: string;
}

/** The rate limiter's refusal (it throws what errorResponseBuilder returns). */
const RATE_LIMITED = 'RATE_LIMITED';

/**
 * How an error thrown before or around the ingest step is answered, by its code: ours (BodyError,
 * the rate limiter's refusal) and Fastify's for the body limit and the content type.
 */
function errorAnswer(error: FastifyError, request: FastifyRequest): ErrorAnswer {
  switch (codeOf(error)) {
    case 'BODY_NOT_JSON':
      return { status: 400, outcome: 'invalid', message: error.message };
    case RATE_LIMITED:
      return { status: 429, outcome: 'rate_limited', message: error.message };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, outcome: 'too_large', message: `body is larger than ${MAX_BODY_BYTES} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        outcome: 'unsupported_media_type',
        message: `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json or application/x-ndjson`,
      };
  }
  // Anything else Fastify refuses (a Content-Length that lies, …) keeps its 4xx and message; the
  // rest is a bug, answered without its details.
  const status = error.statusCode ?? 500;
  return status < 500
    ? { status, outcome: 'invalid', message: error.message }
    : { status, outcome: 'error', message: 'internal error' };
}

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
    const { status, outcome, message } = errorAnswer(error, request);
    deps.metrics.requests.inc({ outcome });
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
          code: RATE_LIMITED,
          retriable: true,
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
        // NOTE: the key is scoped to the API key (its id), so two tenants that pick the same
        // Idempotency-Key get different event ids.
        const answer = await deps.ingest(inputsOf(request.body), {
          idempotencyKey: request.headers['idempotency-key'],
          apiKeyId: request.apiKey?.id ?? null,
        });
        if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
        return reply.status(answer.status).send(answer.body);
      },
    );
  });

  // Readiness: Kafka and the registry answer.
  addHealthRoutes(app, { readiness: deps.readiness, metrics: deps.metrics.registry });
  return app;
}
