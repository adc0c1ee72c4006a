import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** The consumer's health and metrics endpoint (CONSUMER_PORT). Built without listening. */
export interface HealthDeps {
  log?: FastifyBaseLogger;
  metrics?: Registry;
  readiness?: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
}

export function buildHealthServer(deps: HealthDeps = {}): FastifyInstance {
  const app = deps.log ? Fastify({ loggerInstance: deps.log }) : Fastify({ logger: false });
  // Liveness: the process answers. Readiness: in the group, PostgreSQL answers, no partition paused.
  app.get('/healthz', async () => ({ status: 'ok' }));
  const { readiness, metrics } = deps;
  if (readiness) {
    app.get('/readyz', async (_request, reply) => {
      const { ready, checks } = await readiness();
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  }
  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  }
  return app;
}
