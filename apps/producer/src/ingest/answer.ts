// What an ingest request is answered, as a value: 202 with the event ids, or a refusal (400, 413,
// 503) with one error item per problem. Each answer is counted in the metrics here, once.
import type { ReportEvent } from '@tally/schemas';
import type { ProducerMetrics } from '../metrics.ts';

export interface ErrorItem {
  index: number | null;
  path: string;
  message: string;
}

export interface IngestAnswer {
  status: number;
  body: { accepted: number; event_ids: string[] } | { errors: ErrorItem[] };
  retryAfterSeconds?: number;
}

/** Why a request was not accepted, and which of its events the metrics count as not accepted. */
export interface Refusal {
  status: 400 | 413 | 503;
  outcome: 'invalid' | 'too_large' | 'unavailable';
  errors: ErrorItem[];
  events?: { outcome: 'rejected' | 'failed'; reason: string; count: number };
  retryAfterSeconds?: number;
}

/** One error about the whole request rather than one of its events. */
export const whole = (message: string): ErrorItem[] => [{ index: null, path: '', message }];

/** A 503: nothing is wrong with the events, so the client sends them again after a while. */
export function unavailable(reason: string, message: string, events: number, retryAfterSeconds: number): Refusal {
  return {
    status: 503,
    outcome: 'unavailable',
    errors: whole(message),
    events: { outcome: 'failed', reason, count: events },
    retryAfterSeconds,
  };
}

export function refuse(metrics: ProducerMetrics, refusal: Refusal): IngestAnswer {
  metrics.requests.inc({ outcome: refusal.outcome });
  if (refusal.events)
    metrics.events.inc({ outcome: refusal.events.outcome, reason: refusal.events.reason }, refusal.events.count);
  const answer: IngestAnswer = { status: refusal.status, body: { errors: refusal.errors } };
  if (refusal.retryAfterSeconds !== undefined) answer.retryAfterSeconds = refusal.retryAfterSeconds;
  return answer;
}

export function accept(metrics: ProducerMetrics, events: ReportEvent[]): IngestAnswer {
  metrics.requests.inc({ outcome: 'accepted' });
  metrics.events.inc({ outcome: 'accepted', reason: '' }, events.length);
  return { status: 202, body: { accepted: events.length, event_ids: events.map((e) => e.event_id) } };
}
