// Sends events over HTTP at a target rate: requests of `batch` events, started on a fixed schedule, at most
// `concurrency` at once (past that the run is as fast as the producer answers). Every 202 goes into the ledger; a
// fraction of events can be resent with an accepted event_id.
import type { GeneratedEvent } from '@tally/testkit';
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
  const latencies: number[] = [];
  const resendPool: GeneratedEvent[] = [];
  const counts = { requests: 0, unavailable: 0, rejected: 0, errors: 0, abandoned: 0 };
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
      accepted: ledger.accepted(),
      resends: ledger.toJSON().resends,
      acceptedPerSecond: ledger.accepted() / seconds,
      latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 },
    };
  };

  async function send(): Promise<void> {
    const now = Date.now();
    const fresh: GeneratedEvent[] = [];
    const resent: GeneratedEvent[] = [];
    for (let i = 0; i < options.batch; i++) {
      const old =
        resendPool.length > 0 && random() < options.resendFraction
          ? resendPool[Math.floor(random() * resendPool.length)]
          : undefined;
      if (old) resent.push(old);
      else fresh.push(next(now));
    }
    const body = JSON.stringify([...fresh, ...resent]);
    // A real client sends a refused request again, same events and ids, after Retry-After.
    for (;;) {
      const begin = performance.now();
      counts.requests += 1;
      let retryAfterMs = 1_000;
      try {
        const response = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - begin);
        if (response.status === 202) {
          for (const event of fresh) ledger.add(event);
          ledger.addResends(resent.length);
          for (const event of fresh) if (resendPool.length < 10_000) resendPool.push(event);
          return;
        }
        if (response.status !== 503) {
          counts.rejected += fresh.length + resent.length;
          return;
        }
        counts.unavailable += 1;
        retryAfterMs = Number(response.headers.get('retry-after') ?? '1') * 1_000;
      } catch {
        counts.errors += 1;
      }
      if (performance.now() + retryAfterMs > giveUpAt) {
        counts.abandoned += fresh.length + resent.length;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
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
