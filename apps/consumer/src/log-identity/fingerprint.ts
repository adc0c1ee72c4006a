// A Kafka record's fingerprint: its offset, its Kafka timestamp and a hash of its key and value.
// Stored with next_offset for the last record applied, it is how a later reader recognises the
// log PostgreSQL's offsets came from: a recreated topic or another Kafka's data holds something
// else at that offset, or nothing.
import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';

export interface RecordFingerprint {
  offset: bigint;
  /** Kafka's timestamp (ms since the epoch): the producer's CreateTime, or the broker's LogAppendTime. */
  timestamp: number;
  /** sha256 of the key and the value, each prefixed with its length (-1 for null). */
  hash: Buffer;
}

export function fingerprintOf(message: Pick<KafkaMessage, 'offset' | 'timestamp' | 'key' | 'value'>): RecordFingerprint {
  const hash = createHash('sha256');
  for (const part of [message.key, message.value]) {
    // NOTE: length-prefixed, so key "ab" + value "c" and key "a" + value "bc" differ.
    const length = Buffer.alloc(4);
    length.writeInt32BE(part == null ? -1 : part.length);
    hash.update(length);
    if (part != null) hash.update(part);
  }
  return { offset: BigInt(message.offset), timestamp: Number(message.timestamp), hash: hash.digest() };
}

export function sameRecord(a: RecordFingerprint, b: RecordFingerprint): boolean {
  return a.offset === b.offset && a.timestamp === b.timestamp && a.hash.equals(b.hash);
}

/** For log lines and mismatch reasons: `offset 41 (2026-12-02T18:00:10.073Z, sha256 3f9a…)`. */
export function describeRecord(f: RecordFingerprint): string {
  const time = new Date(f.timestamp);
  return `offset ${f.offset} (${Number.isFinite(time.getTime()) ? time.toISOString() : `timestamp ${f.timestamp}`}, sha256 ${f.hash.toString('hex').slice(0, 12)}…)`;
}
