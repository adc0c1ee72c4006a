import { describe, expect, it } from 'vitest';
import { type Outcome, verdict } from './scenario.ts';

const passed: Outcome = {
  scenario: 'postgres-crash',
  accepted: 1_000,
  resends: 10,
  counted: 1_000,
  deadLetters: 30,
  poison: 30,
  deadLetterRecords: 42,
  deadLetterDuplicates: 12,
  deadLetterProblems: [],
  keyRetries: 5,
  uncertain: 0,
  landed: 0,
  idViolations: 0,
  faults: 1,
  mismatches: 0,
  seconds: 60,
  details: [],
};

describe('the verdict on a scenario', () => {
  it('passes exact tables, dead letters that are the poison plus counted crash-window duplicates, and right answers', () => {
    expect(verdict(passed)).toEqual([]);
  });

  it.each([
    ['a table row that differs', { mismatches: 1 }, '1 aggregate rows differ from the ledger'],
    ['an event counted twice', { counted: 1_001 }, 'counted 1001 of 1000 accepted'],
    [
      'a dead-letter problem',
      { deadLetterProblems: ['1 dead-letter records not explained'] },
      '1 dead-letter records not explained',
    ],
    ['a wrong answer', { idViolations: 2 }, '2 answers with wrong event_ids'],
  ])('fails on %s', (_, over, problem) => {
    expect(verdict({ ...passed, ...over })).toEqual([problem]);
  });

  it('expects the events of unknown fate found on the topic to be counted too, once', () => {
    expect(verdict({ ...passed, uncertain: 100 })).toEqual([]);
    expect(verdict({ ...passed, uncertain: 100, landed: 98, counted: 1_098 })).toEqual([]);
    expect(verdict({ ...passed, uncertain: 100, landed: 98, counted: 1_000 })).toEqual([
      'counted 1000 of 1000 accepted + 98 landed of unknown fate',
    ]);
    expect(verdict({ ...passed, uncertain: 100, counted: 1_098 })).toEqual(['counted 1098 of 1000 accepted']);
  });
});
