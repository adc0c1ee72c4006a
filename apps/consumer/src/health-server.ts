import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

/** The consumer's health and metrics endpoint (CONSUMER_PORT). Built without listening. */
export function buildHealthServer(options: { logger: NonNullable<FastifyServerOptions['logger']> }): FastifyInstance {
  const app = Fastify({ logger: options.logger });
  // Liveness only: the process answers. Readiness (Kafka, registry) comes with the pipeline.
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
