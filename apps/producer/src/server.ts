import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

/** The producer's HTTP API. Built without listening, so tests drive it with inject(). */
export function buildServer(options: { logger: NonNullable<FastifyServerOptions['logger']> }): FastifyInstance {
  const app = Fastify({ logger: options.logger });
  // Liveness only: the process answers. Readiness (Kafka, registry) comes with the pipeline.
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
