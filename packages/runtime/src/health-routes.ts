// /healthz, /readyz and /metrics, the same on every app: liveness is "the process answers",
// readiness is the app's own checks, each 'ok' or a reason.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface HealthDeps {
  readiness?: () => Promise<Readiness>;
  metrics?: Registry;
}

/** Ready when every check says 'ok'. */
export function readinessOf(checks: Record<string, string>): Readiness {
  return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
}

export function addHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
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
}

/** A server with only the health routes (the consumer's port). Built without listening. */
export function buildHealthServer(deps: HealthDeps & { log?: FastifyBaseLogger } = {}): FastifyInstance {
  const app = deps.log ? Fastify({ loggerInstance: deps.log }) : Fastify({ logger: false });
  addHealthRoutes(app, deps);
  return app;
}
