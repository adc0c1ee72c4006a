// GET /v1/stream: Server-Sent Events, one `progress` event a second with the per-second deltas of what was ingested
// into Kafka, applied and counted, plus lag and dead letters. One poller serves every client (one read a second,
// however many dashboards are open) and runs only while some client listens.
import type { StreamFrame } from '@tally/reports-api';
import type { Logger } from 'pino';
import type { Progress } from './pipeline-progress.ts';

export interface LiveStream {
  subscribe(send: (frame: StreamFrame) => void): () => void;
  close(): void;
}

export function createLiveStream(deps: { read: () => Promise<Progress>; log: Logger; intervalMs?: number }): LiveStream {
  const subscribers = new Set<(frame: StreamFrame) => void>();
  let timer: NodeJS.Timeout | undefined;
  let previous: { at: number; progress: Progress } | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling) return; // a slow read is not stacked up behind
    polling = true;
    try {
      const progress = await deps.read();
      const at = Date.parse(progress.checked_at);
      if (previous) {
        const seconds = Math.max(0.001, (at - previous.at) / 1_000);
        const rate = (now: number, before: number) => Math.max(0, (now - before) / seconds);
        const frame: StreamFrame = {
          at: progress.checked_at,
          ingested_per_s: rate(progress.ingested, previous.progress.ingested),
          applied_per_s: rate(progress.applied, previous.progress.applied),
          counted_per_s: rate(progress.counted, previous.progress.counted),
          lag: progress.lag,
          dead_letters: progress.dead_letters,
        };
        for (const send of subscribers) send(frame);
      }
      previous = { at, progress };
    } catch (error) {
      deps.log.warn({ event: 'stream_poll_failed', err: error }, 'could not read pipeline progress');
    } finally {
      polling = false;
    }
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
    previous = undefined;
  }

  return {
    subscribe(send) {
      subscribers.add(send);
      if (!timer) {
        void poll();
        timer = setInterval(() => void poll(), deps.intervalMs ?? 1_000);
      }
      return () => {
        subscribers.delete(send);
        if (subscribers.size === 0) stop();
      };
    },
    close() {
      subscribers.clear();
      stop();
    },
  };
}
