// The query strings of /v1/aggregates and /v1/top, checked.
import type { Granularity, TopBy, TopMetric } from '@tally/reports-api';
import { z } from 'zod';
import { MAX_RANGE_MS, type Range } from './time-range.ts';

/**
 * A bad query: the request answers 400 with one reason per bad parameter, e.g.
 * `{ "error": "invalid query", "fields": { "from": "..." } }`.
 */
export class QueryError extends Error {
  readonly code = 'QUERY_INVALID';
  /** The same query fails the same way: the client must change it. */
  readonly retriable = false;
  readonly fields: Record<string, string>;
  constructor(fields: Record<string, string>) {
    super(
      `invalid query: ${Object.entries(fields)
        .map(([name, reason]) => `${name} ${reason}`)
        .join('; ')}`,
    );
    this.name = 'QueryError';
    this.fields = fields;
  }
}

const time = z
  .string()
  .refine((raw) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw), {
    error: 'must be an ISO-8601 time with a zone, e.g. 2026-11-25T10:00:00Z',
  })
  .transform((raw) => Date.parse(raw))
  .refine((ms) => Number.isFinite(ms), { error: 'is not a real date' });

const USER_ID = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const ACTION = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, 'must be 1-64 characters: a-z, 0-9 and _ . : -, starting with a letter or digit');

function limit(fallback: number, max: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, `must be from 1 to ${max}`)
    .max(max, `must be from 1 to ${max}`)
    .default(fallback);
}

const common = {
  from: time.optional(),
  to: time.optional(),
  user_id: USER_ID.optional(),
  action: ACTION.optional(),
};

const aggregatesSchema = z.object({
  ...common,
  granularity: z.enum(['minute', 'hour', 'day'], { error: 'must be one of minute, hour, day' }).default('minute'),
  group_by: z
    .string()
    .default('action')
    .transform((raw) => (raw === '' || raw === 'none' ? [] : raw.split(',').map((s) => s.trim())))
    .refine((keys) => keys.every((k) => k === 'user_id' || k === 'action'), {
      error: 'must be none, or user_id and/or action, comma-separated',
    })
    .transform((keys) => [...new Set(keys)].sort() as GroupKey[]),
  limit: limit(1_000, 10_000),
  cursor: z.string().optional(),
});

const topSchema = z.object({
  ...common,
  by: z.enum(['user', 'action'], { error: 'must be user or action' }).default('user'),
  metric: z.enum(['count', 'sum'], { error: 'must be count or sum' }).default('count'),
  limit: limit(10, 100),
});

export type GroupKey = 'action' | 'user_id';

export interface AggregatesQuery extends Range {
  granularity: Granularity;
  groupBy: GroupKey[];
  userId?: string;
  action?: string;
  limit: number;
  cursor?: string;
}

export interface TopQuery extends Range {
  by: TopBy;
  metric: TopMetric;
  userId?: string;
  action?: string;
  limit: number;
}

const DEFAULT_RANGE_MS = 3_600_000;
/** /v1/top reads whole hours from aggregates_hour, so it can afford a month. */
const TOP_MAX_RANGE_MS = 31 * 86_400_000;

function parse<S extends z.ZodObject>(schema: S, query: unknown): z.output<S> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? 'query');
    fields[name] ??= issue.message;
  }
  throw new QueryError(fields);
}

function rangeOf(parsed: { from?: number | undefined; to?: number | undefined }, now: number, maxMs: number): Range {
  const to = parsed.to ?? now;
  const from = parsed.from ?? to - DEFAULT_RANGE_MS;
  if (from >= to) throw new QueryError({ from: 'must be before to' });
  if (to - from > maxMs) throw new QueryError({ to: `must be at most ${maxMs / 3_600_000} hours after from` });
  return { from, to };
}

export function parseAggregatesQuery(query: unknown, now: number): AggregatesQuery {
  const q = parse(aggregatesSchema, query);
  return {
    ...rangeOf(q, now, MAX_RANGE_MS[q.granularity]),
    granularity: q.granularity,
    groupBy: q.group_by,
    limit: q.limit,
    ...(q.user_id === undefined ? {} : { userId: q.user_id }),
    ...(q.action === undefined ? {} : { action: q.action }),
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
  };
}

export function parseTopQuery(query: unknown, now: number): TopQuery {
  const q = parse(topSchema, query);
  return {
    ...rangeOf(q, now, TOP_MAX_RANGE_MS),
    by: q.by,
    metric: q.metric,
    limit: q.limit,
    ...(q.user_id === undefined ? {} : { userId: q.user_id }),
    ...(q.action === undefined ? {} : { action: q.action }),
  };
}
