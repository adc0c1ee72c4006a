// The reports HTTP API and the dashboard's files. Built without listening; tests use inject().
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import fastifyStatic from '@fastify/static';
import type { FreshnessAnswer } from '@tally/reports-api';
import { addHealthRoutes, readinessOf } from '@tally/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { queryAggregates } from './aggregates.ts';
import type { LiveStream } from './live-stream.ts';
import { completeThrough, type Progress } from './pipeline-progress.ts';
import { parseAggregatesQuery, parseTopQuery, QueryError } from './query-params.ts';
import { queryTop } from './top.ts';

export interface ReportsDeps {
  log: FastifyBaseLogger;
  pool: pg.Pool;
  progress: () => Promise<Progress>;
  stream: LiveStream;
  metrics: Registry;
  dashboardDir: string;
  now?: () => number;
}

export function buildServer(deps: ReportsDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.log });
  const now = deps.now ?? Date.now;

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof QueryError) return reply.status(400).send({ error: 'invalid query', fields: error.fields });
    request.log.error({ event: 'request_failed', err: error }, 'request failed');
    return reply.status(503).send({ error: 'the reports database or Kafka is unavailable; retry' });
  });

  app.get('/v1/aggregates', async (request) => queryAggregates(deps.pool, parseAggregatesQuery(request.query, now())));
  app.get('/v1/top', async (request) => queryTop(deps.pool, parseTopQuery(request.query, now())));

  app.get('/v1/freshness', async (): Promise<FreshnessAnswer> => {
    const progress = await deps.progress();
    return {
      checked_at: progress.checked_at,
      complete_through: completeThrough(progress),
      explanation:
        'Every event that occurred before complete_through and reached Kafka is in the numbers: caught-up partitions count up to the check, lagging ones up to the newest event they applied. Events that arrive late (occurred_at long before they are sent) can still add to earlier buckets.',
      lag: progress.lag,
      dead_letters: progress.dead_letters,
      partitions: progress.partitions,
    };
  });

  const streams = new Set<ServerResponse>();
  app.addHook('onClose', async () => {
    for (const response of streams) response.end();
  });
  app.get('/v1/stream', (request, reply) => {
    reply.hijack();
    streams.add(reply.raw);
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write('retry: 2000\n\n');
    const unsubscribe = deps.stream.subscribe((frame) => {
      reply.raw.write(`event: progress\ndata: ${JSON.stringify(frame)}\n\n`);
    });
    request.raw.on('close', () => {
      unsubscribe();
      streams.delete(reply.raw);
    });
  });

  addHealthRoutes(app, {
    readiness: async () =>
      readinessOf({
        postgres: await deps.pool.query('SELECT 1').then(
          () => 'ok',
          (error: Error) => `unreachable: ${error.message}`,
        ),
      }),
    metrics: deps.metrics,
  });

  if (existsSync(deps.dashboardDir)) {
    app.register(fastifyStatic, { root: deps.dashboardDir });
  } else {
    app.get('/', async (_request, reply) =>
      reply.status(404).type('text/plain').send('The dashboard is not built: run `pnpm --filter @tally/dashboard build`.\n'),
    );
  }
  return app;
}
