import { describe, expect, it } from 'vitest';
import { checkDeadLetters, type DeadLetter } from './dead-letters.ts';

const letter = (offset: number, reasonCode = 'NOT_WIRE_FORMAT', partition = 0): DeadLetter => ({
  topic: 'events',
  partition,
  offset,
  reasonCode,
});
const injected = { NOT_WIRE_FORMAT: 2, UNKNOWN_SCHEMA_ID: 1 };
const rows = [letter(1), letter(5), letter(9, 'UNKNOWN_SCHEMA_ID', 3)];

describe('the dead letters against the poison injected', () => {
  it('are right when the topic holds each poison record once and dead_letters one row each, by reason', () => {
    expect(checkDeadLetters(injected, rows, [...rows].reverse())).toEqual({ records: 3, duplicates: [], problems: [] });
  });

  it('count a record sent twice with one dead_letters row as a crash-window duplicate, and pass', () => {
    const check = checkDeadLetters(injected, rows, [...rows, letter(5), letter(5)]);
    expect(check.duplicates).toEqual([{ source: 'events/0@5', copies: 2 }]);
    expect(check.problems).toEqual([]);
    expect(check.records).toBe(5);
  });

  it('fail on a record with no dead_letters row, even when the totals add up', () => {
    const check = checkDeadLetters(injected, rows, [letter(1), letter(9, 'UNKNOWN_SCHEMA_ID', 3), letter(6)]);
    expect(check.problems).toEqual([
      '1 dead-letter records not explained by dead_letters rows: events/0@6 (1×, no dead_letters row)',
      '1 dead_letters rows with no record on the dead-letter topic: events/0@5',
    ]);
  });

  it('fail on fewer dead letters than poison injected', () => {
    const check = checkDeadLetters(injected, rows.slice(1), rows.slice(1));
    expect(check.problems).toEqual([
      'dead_letters rows by reason: NOT_WIRE_FORMAT 1, UNKNOWN_SCHEMA_ID 1; poison injected: NOT_WIRE_FORMAT 2, UNKNOWN_SCHEMA_ID 1',
    ]);
  });

  it('fail on dead letters for the wrong reason, or with no poison injected', () => {
    const wrong = [letter(1), letter(5), letter(9, 'BODY_MISMATCH', 3)];
    expect(checkDeadLetters(injected, wrong, wrong).problems).toEqual([
      'dead_letters rows by reason: BODY_MISMATCH 1, NOT_WIRE_FORMAT 2; poison injected: NOT_WIRE_FORMAT 2, UNKNOWN_SCHEMA_ID 1',
    ]);
    expect(checkDeadLetters({}, [letter(1)], [letter(1)]).problems).toEqual([
      'dead_letters rows by reason: NOT_WIRE_FORMAT 1; poison injected: none',
    ]);
  });

  it('fail on a copy on the topic whose reason differs from its row', () => {
    const check = checkDeadLetters(injected, rows, [...rows, letter(9, 'BODY_MISMATCH', 3)]);
    expect(check.problems).toEqual([
      '1 dead-letter records not explained by dead_letters rows: events/3@9 (reason UNKNOWN_SCHEMA_ID/BODY_MISMATCH on the topic, UNKNOWN_SCHEMA_ID in dead_letters)',
    ]);
  });
});
