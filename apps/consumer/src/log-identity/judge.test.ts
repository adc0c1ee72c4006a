import { describe, expect, it } from 'vitest';
import { fingerprintOf } from './fingerprint.ts';
import { judgePosition, type LogNow, mismatchText, parseMismatch, type StoredPosition } from './judge.ts';

const record = (offset: number, value = 'v') =>
  fingerprintOf({ offset: String(offset), timestamp: '1796234409989', key: Buffer.from('k'), value: Buffer.from(value) });
const log: LogNow = { clusterId: 'A', start: 0n, end: 100n };
const position = (over: Partial<StoredPosition> = {}): StoredPosition => ({
  nextOffset: 50n,
  clusterId: 'A',
  last: record(49),
  mismatch: null,
  ...over,
});

describe('judging PostgreSQL’s position against the log Kafka has now', () => {
  it.each([
    ['a partition never applied starts where Kafka says', undefined, log, { kind: 'unapplied' }],
    [
      'the same log resumes at the last applied record, to check it',
      position(),
      log,
      { kind: 'resume', offset: 49n, verify: record(49) },
    ],
    [
      'a row from before the identity was kept is adopted, at next_offset',
      position({ clusterId: null, last: null }),
      log,
      { kind: 'resume', offset: 50n, verify: null },
    ],
    [
      'a last record retention already dropped is not checked',
      position(),
      { ...log, start: 60n },
      { kind: 'resume', offset: 50n, verify: null },
    ],
    [
      'a last record not below next_offset (a row edited by hand) is not checked',
      position({ nextOffset: 20n }),
      log,
      { kind: 'resume', offset: 20n, verify: null },
    ],
    [
      'a log that reaches exactly next_offset is fine',
      position(),
      { ...log, end: 50n },
      { kind: 'resume', offset: 49n, verify: record(49) },
    ],
  ])('%s', (_name, stored, now, verdict) => {
    expect(judgePosition(stored, now)).toEqual(verdict);
  });

  it.each([
    ['another Kafka cluster', position({ clusterId: 'B' }), log, 'cluster', /came from Kafka cluster B; this is cluster A/],
    [
      'a log that ends below next_offset',
      position(),
      { ...log, end: 20n },
      'log_end',
      /ends at offset 20, below .* next_offset 50/,
    ],
    [
      'an adopted row whose log ends below next_offset',
      position({ clusterId: null, last: null }),
      { ...log, end: 0n },
      'log_end',
      /ends at offset 0/,
    ],
    ['a row a consumer flagged', position({ mismatch: 'record: seen elsewhere' }), log, 'record', /seen elsewhere/],
  ])('stops the partition for %s', (_name, stored, now, code, detail) => {
    const verdict = judgePosition(stored, now);
    expect(verdict).toMatchObject({ kind: 'stop', mismatch: { code } });
    expect(verdict.kind === 'stop' && verdict.mismatch.detail).toMatch(detail);
  });

  it('keeps a mismatch’s code through the text stored in the row', () => {
    const m = { code: 'log_end', detail: 'the log ends at offset 3: see' } as const;
    expect(parseMismatch(mismatchText(m))).toEqual(m);
  });
});
