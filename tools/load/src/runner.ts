// Sends events over HTTP at a target rate: requests of `batch` events, started on a fixed schedule, at most
// `concurrency` at once (past that the run is as fast as the producer answers). Every 202 goes into the ledger; a
// fraction of events can be resent with an accepted event_id, and the edges of edge-cases.ts mixed in.
import { randomUUID } from 'node:crypto';
import type { GeneratedEvent } from '@tally/testkit';
import {
  anotherCase,
  answerProblems,
  type EdgeMix,
  isoWithOffset,
  NO_EDGES,
  recase,
  sameAnswer,
  zoneOffset,
} from './edge-cases.ts';
import type { Ledger } from './ledger.ts';

export interface LoadOptions {
  url: string;
  rate: number;
  durationSeconds: number;
  batch: number;
  concurrency: number;
  resendFraction: number;
  /** How long refused requests may still be retried after the run (default 30 s). */
  drainSeconds?: number;
  /** Events without ids, Idempotency-Key retries, mixed-case ids (default: none). */
  edges?: EdgeMix;
}

export interface LoadSummary {
  seconds: number;
  requests: number;
  accepted: number;
  resends: number;
  /** 503 answers; their events were sent again, as a real client would, until accepted. */
  unavailable: number;
  /** Events still not accepted when the run (and its drain time) ended: their fate is unknown. */
  abandoned: number;
  rejected: number;
  errors: number;
  /**
   * Events that got no 202 although an attempt may have reached Kafka (a 503, a dropped connection, a
   * timeout): the ledger cannot know whether they are counted. Events without ids and key are never
   * sent again after such an attempt (a retry would get new ids and could count twice).
   */
  uncertain: number;
  /** Events accepted without an id of their own (no key): the ledger took their ids from the 202. */
  noIdEvents: number;
  /** Requests accepted with an Idempotency-Key. */
  keyedRequests: number;
  /** Keyed requests sent again after their 202, with the same body and key. */
  keyRetries: number;
  /** First attempts of keyed requests cut by the client's own timeout, then sent again. */
  keyTimeouts: number;
  /** Ids sent in upper or mixed case (new events and resends). */
  mixedCaseIds: number;
  /** Events whose occurred_at was sent as ISO-8601 with a zone offset. */
  isoTimes: number;
  /** 202 answers whose event_ids were wrong: a retried key answered other ids, a sent id not answered lower-cased. */
  idViolations: number;
  /** The first few idViolations, said. */
  violations: string[];
  acceptedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export async function runLoad(
  options: LoadOptions,
  next: (now: number) => GeneratedEvent,
  ledger: Ledger,
  progress: (summary: LoadSummary) => void,
  random: () => number = Math.random,
): Promise<LoadSummary> {
  const started = performance.now();
  const edges = options.edges ?? NO_EDGES;
  const latencies: number[] = [];
  /** Accepted events (with their ids as stored) and the id string last sent for each. */
  const resendPool: { event: GeneratedEvent; sent: string }[] = [];
  const counts = {
    requests: 0,
    unavailable: 0,
    rejected: 0,
    errors: 0,
    abandoned: 0,
    uncertain: 0,
    noIdEvents: 0,
    keyedRequests: 0,
    keyRetries: 0,
    keyTimeouts: 0,
    mixedCaseIds: 0,
    isoTimes: 0,
    idViolations: 0,
  };
  const violations: string[] = [];
  // Retries of refused requests may go on this long after the run, so their fate becomes known.
  const giveUpAt = started + (options.durationSeconds + (options.drainSeconds ?? 30)) * 1_000;
  const inFlight = new Set<Promise<void>>();
  const intervalMs = (options.batch / options.rate) * 1_000;
  const endAt = started + options.durationSeconds * 1_000;

  const summary = (): LoadSummary => {
    const seconds = (performance.now() - started) / 1_000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      seconds,
      ...counts,
      violations: violations.slice(0, 10),
      accepted: ledger.accepted(),
      resends: ledger.toJSON().resends,
      acceptedPerSecond: ledger.accepted() / seconds,
      latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 },
    };
  };
  const violation = (what: string) => {
    counts.idViolations += 1;
    if (violations.length < 10) violations.push(what);
  };

  type Attempt =
    | { kind: 'accepted'; ids: unknown }
    | { kind: 'rejected' }
    /** Nothing was written: the connection was refused. */
    | { kind: 'refused' }
    /** Something may have been written: a 503, a dropped connection, the client's own timeout. */
    | { kind: 'maybe'; retryAfterMs: number };

  async function attempt(body: string, headers: Record<string, string>, timeoutMs?: number): Promise<Attempt> {
    const begin = performance.now();
    counts.requests += 1;
    const abort = new AbortController();
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body, signal: abort.signal });
      const answer = response.status === 202 ? ((await response.json()) as { event_ids?: unknown }) : undefined;
      if (answer === undefined) await response.arrayBuffer();
      latencies.push(performance.now() - begin);
      if (answer) return { kind: 'accepted', ids: answer.event_ids };
      if (response.status !== 503) return { kind: 'rejected' };
      counts.unavailable += 1;
      return { kind: 'maybe', retryAfterMs: Number(response.headers.get('retry-after') ?? '1') * 1_000 };
    } catch (error) {
      if (abort.signal.aborted) {
        counts.keyTimeouts += 1;
        return { kind: 'maybe', retryAfterMs: 0 };
      }
      counts.errors += 1;
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      return code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'maybe', retryAfterMs: 1_000 };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A keyed request sent again after its 202: the same ids must come back. */
  async function retryAccepted(body: string, headers: Record<string, string>, ids: string[]): Promise<void> {
    counts.keyRetries += 1;
    for (;;) {
      const result = await attempt(body, headers);
      if (result.kind === 'accepted') {
        if (!sameAnswer(ids, result.ids))
          violation(`key ${headers['idempotency-key']}: answered other event_ids when sent again`);
        return;
      }
      if (result.kind === 'rejected' || performance.now() + 1_000 > giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, result.kind === 'maybe' ? result.retryAfterMs : 1_000));
    }
  }

  /** New events that got no 202 after an attempt that may have reached Kafka: kept whole in the ledger. */
  function unknownFate(fresh: GeneratedEvent[], sentIds: (string | undefined)[]): void {
    counts.uncertain += fresh.length;
    ledger.addUncertain(fresh.map((event, i) => ({ event, sentId: sentIds[i] })));
  }

  async function send(): Promise<void> {
    const now = Date.now();
    const draw = edges.noIds + edges.keys > 0 ? random() : 1;
    const mode = draw < edges.noIds ? 'no-ids' : draw < edges.noIds + edges.keys ? 'key' : 'ids';
    const fresh: GeneratedEvent[] = [];
    const resent: (typeof resendPool)[number][] = [];
    for (let i = 0; i < options.batch; i++) {
      const old =
        resendPool.length > 0 && random() < options.resendFraction
          ? resendPool[Math.floor(random() * resendPool.length)]
          : undefined;
      if (old) resent.push(old);
      else fresh.push(next(now));
    }
    // The id each event is sent with: none for new events of id-less and keyed requests.
    const sentIds: (string | undefined)[] = [
      ...fresh.map((e) =>
        mode !== 'ids' ? undefined : edges.mixedCase > 0 && random() < edges.mixedCase ? recase(e.event_id, random) : e.event_id,
      ),
      ...resent.map((r) => (edges.mixedCase > 0 ? anotherCase(r.event.event_id, r.sent, random) : r.sent)),
    ];
    counts.mixedCaseIds += sentIds.filter((id) => id !== undefined && id !== id.toLowerCase()).length;
    const events = [...fresh, ...resent.map((r) => r.event)];
    const body = JSON.stringify(
      events.map((event, i) => {
        const { event_id: _, ...rest } = event;
        const id = sentIds[i];
        const wire: Record<string, unknown> = id === undefined ? rest : { event_id: id, ...rest };
        // The same instant in another form: counted in the same minute as epoch milliseconds.
        if (edges.isoTimes > 0 && random() < edges.isoTimes) {
          wire.occurred_at = isoWithOffset(event.occurred_at, zoneOffset(random));
          counts.isoTimes += 1;
        }
        return wire;
      }),
    );
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (mode === 'key') headers['idempotency-key'] = randomUUID();
    let timeoutMs = mode === 'key' && random() < edges.keyTimeouts ? 2 + Math.floor(random() * 20) : undefined;
    let maybeWritten = false;
    // A real client sends a refused request again, same events and ids (or key), after Retry-After.
    for (;;) {
      const result = await attempt(body, headers, timeoutMs);
      timeoutMs = undefined;
      if (result.kind === 'accepted') {
        const problems = answerProblems(sentIds, result.ids);
        if (problems.length > 0) violation(problems.slice(0, 3).join('; '));
        const ids: unknown[] = Array.isArray(result.ids) ? result.ids : [];
        for (const [i, event] of fresh.entries()) {
          ledger.add(event, typeof ids[i] === 'string' ? ids[i] : event.event_id);
          // Resent later with the id it was stored under; not when the answer's ids cannot be trusted.
          const id = ids[i];
          if (problems.length === 0 && typeof id === 'string' && resendPool.length < 10_000)
            resendPool.push({ event: { ...event, event_id: id }, sent: sentIds[i] ?? id });
        }
        for (const [i, entry] of resent.entries()) entry.sent = sentIds[fresh.length + i] ?? entry.sent;
        ledger.addResends(resent.length);
        if (mode === 'no-ids') counts.noIdEvents += fresh.length;
        if (mode === 'key') {
          counts.keyedRequests += 1;
          if (problems.length === 0 && random() < edges.keyRetries) await retryAccepted(body, headers, ids as string[]);
        }
        return;
      }
      if (result.kind === 'rejected') {
        counts.rejected += events.length;
        if (maybeWritten) unknownFate(fresh, sentIds);
        return;
      }
      if (result.kind === 'maybe') maybeWritten = true;
      const waitMs = result.kind === 'maybe' ? result.retryAfterMs : 1_000;
      // NOTE: events without ids nor key are never sent again once they may have reached Kafka: a
      // retry would get new ids and count twice (the contract says so); their fate stays unknown.
      const giveUp = (mode === 'no-ids' && maybeWritten) || performance.now() + waitMs > giveUpAt;
      if (giveUp) {
        counts.abandoned += events.length;
        if (maybeWritten) unknownFate(fresh, sentIds);
        return;
      }
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  const ticker = setInterval(() => progress(summary()), 1_000);
  try {
    for (let i = 0; ; i++) {
      const due = started + i * intervalMs;
      // Past the end, or so far behind schedule that the time is up: no more requests.
      if (due >= endAt || performance.now() >= endAt) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      const request: Promise<void> = send().finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(ticker);
  }
  return summary();
}
