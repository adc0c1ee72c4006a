// What the consumer stage leaves in PostgreSQL, per event and per day at a steady 10,000 events/s: the dedupe store
// (kept DEDUP_RETENTION_DAYS) and the aggregate tables (at the bench's mix: 1,000 users, 5 actions).
import type { ConsumeResult } from './consumer-throughput.ts';
import { median } from './stats.ts';

const PER_DAY_AT_10K = 10_000 * 86_400;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export function storageLine(runs: readonly Pick<ConsumeResult, 'bytesPerEvent'>[], events: number, retentionDays = 8): string {
  const dedupe = median(runs.map((r) => r.bytesPerEvent.dedupe));
  const aggregates = median(runs.map((r) => r.bytesPerEvent.aggregates));
  return [
    `PostgreSQL per event, after ${events.toLocaleString('en')} events: dedupe ${dedupe.toFixed(1)} B, aggregates ${aggregates.toFixed(1)} B (at this mix)`,
    `at 10,000 events/s: dedupe +${gib(dedupe * PER_DAY_AT_10K)}/day, ${gib(dedupe * PER_DAY_AT_10K * retentionDays)} kept over ${retentionDays} days; aggregates at most +${gib(aggregates * PER_DAY_AT_10K)}/day`,
  ].join('\n');
}
