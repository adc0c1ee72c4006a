// Does PostgreSQL's position for a partition belong to the log Kafka has now? The rules, pure:
// same cluster, a log that reaches next_offset, and (checked when the records are read) the last
// applied record still where it was. A row the consumer flagged stays stopped until an operator
// resets it. Rows from before the identity existed are adopted: only the log's end is checked.
import { describeRecord, type RecordFingerprint } from './fingerprint.ts';

/** A partition's consumer_offsets row, as far as the log's identity goes. */
export interface StoredPosition {
  nextOffset: bigint;
  /** null on rows written before the identity was kept. */
  clusterId: string | null;
  /** The last record applied (null before the identity was kept, and after a reset). */
  last: RecordFingerprint | null;
  /** Set when a consumer stopped the partition: `<code>: <what it saw>`. */
  mismatch: string | null;
}

/** What Kafka says now: its cluster id and the partition's log start and end (high watermark). */
export interface LogNow {
  clusterId: string;
  start: bigint;
  end: bigint;
}

export type MismatchCode = 'cluster' | 'log_end' | 'record';

export interface Mismatch {
  code: MismatchCode;
  /** What was seen, for the log line, /readyz and the row (`<code>: <detail>`). */
  detail: string;
}

export type Verdict =
  /** No row: the partition was never applied; it starts where Kafka says (its log start). */
  | { kind: 'unapplied' }
  /**
   * Read from `offset`. With `verify`, `offset` is the last applied record's: it is read again
   * (already applied, the fence skips it) and must be that record before anything past it is applied.
   */
  | { kind: 'resume'; offset: bigint; verify: RecordFingerprint | null }
  | { kind: 'stop'; mismatch: Mismatch };

export function judgePosition(stored: StoredPosition | undefined, log: LogNow): Verdict {
  if (stored === undefined) return { kind: 'unapplied' };
  if (stored.mismatch !== null) return { kind: 'stop', mismatch: parseMismatch(stored.mismatch) };
  if (stored.clusterId !== null && stored.clusterId !== log.clusterId) {
    return stop('cluster', `PostgreSQL's offsets came from Kafka cluster ${stored.clusterId}; this is cluster ${log.clusterId}`);
  }
  // TRICKY: the end is the high watermark, the offset the next record will get. A log that was
  // read up to next_offset - 1 has an end of at least next_offset, unless it is another log.
  if (log.end < stored.nextOffset) {
    return { kind: 'stop', mismatch: logEndMismatch(log.end, stored.nextOffset) };
  }
  const last = stored.last;
  // The record is checked only while the log still holds it (retention may have dropped it).
  if (last !== null && last.offset < stored.nextOffset && last.offset >= log.start) {
    return { kind: 'resume', offset: last.offset, verify: last };
  }
  return { kind: 'resume', offset: stored.nextOffset, verify: null };
}

export function recordMismatch(expected: RecordFingerprint, found: RecordFingerprint): Mismatch {
  return {
    code: 'record',
    detail: `the record at offset ${expected.offset} is not the one applied (applied ${describeRecord(expected)}; the log has ${describeRecord(found)})`,
  };
}

export function logEndMismatch(end: bigint, nextOffset: bigint): Mismatch {
  return { code: 'log_end', detail: `the log ends at offset ${end}, below PostgreSQL's next_offset ${nextOffset}` };
}

/** The text kept in consumer_offsets.log_mismatch. */
export function mismatchText(m: Mismatch): string {
  return `${m.code}: ${m.detail}`;
}

export function parseMismatch(text: string): Mismatch {
  const match = /^(cluster|log_end|record): (.*)$/s.exec(text);
  return match ? { code: match[1] as MismatchCode, detail: match[2] ?? '' } : { code: 'record', detail: text };
}

/** The operator's way out, named in the log line and in /readyz. */
export function resolveCommand(partition: number): string {
  return `pnpm consumer:offsets show, then pnpm consumer:offsets reset --to earliest|latest|<offset> --partition ${partition}`;
}

function stop(code: MismatchCode, detail: string): Verdict {
  return { kind: 'stop', mismatch: { code, detail } };
}
