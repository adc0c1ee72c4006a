// The shapes the reports API answers with, for its clients (the dashboard imports these types; nothing here runs).
export type { AggregateRow, AggregatesPage } from './aggregates.ts';
export type { StreamFrame } from './live-stream.ts';
export type { PartitionProgress } from './pipeline-progress.ts';
export type { TopAnswer, TopEntry } from './top.ts';

import type { PartitionProgress } from './pipeline-progress.ts';

export interface FreshnessAnswer {
  checked_at: string;
  complete_through: string | null;
  explanation: string;
  lag: number;
  dead_letters: number;
  partitions: PartitionProgress[];
}
