import { seededRandom } from '@tally/testkit';
import { describe, expect, it } from 'vitest';
import { anotherCase, answerProblems, isoWithOffset, recase, sameAnswer, zoneOffset } from './edge-cases.ts';

const ID = '0190b3a4-7f00-7abc-8def-00000000000a';

describe('ids in another case', () => {
  it('sends an id in upper or mixed case, never as it was', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 200; i++) {
      const sent = recase(ID, random);
      expect(sent).not.toBe(ID);
      expect(sent.toLowerCase()).toBe(ID);
    }
  });

  it('resends an id in a case other than its last send', () => {
    const random = seededRandom(2);
    let last = ID;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const next = anotherCase(ID, last, random);
      expect(next).not.toBe(last);
      expect(next.toLowerCase()).toBe(ID);
      seen.add(next === ID ? 'lower' : next === ID.toUpperCase() ? 'upper' : 'mixed');
      last = next;
    }
    expect([...seen].sort()).toEqual(['lower', 'mixed', 'upper']);
  });
});

describe('the event_ids of a 202', () => {
  const assigned = '0190b3a4-7f00-7000-8000-000000000001';

  it('are right when every sent id comes back lower-cased and every assigned one is a fresh lower-case UUID', () => {
    expect(answerProblems([ID.toUpperCase(), undefined, ID], [ID, assigned, ID])).toEqual([]);
  });

  it.each([
    [
      'a sent id changed',
      [ID.toUpperCase()],
      [assigned],
      ['event 0: sent 0190B3A4-7F00-7ABC-8DEF-00000000000A, answered 0190b3a4-7f00-7000-8000-000000000001'],
    ],
    [
      'a sent id not lower-cased',
      [ID.toUpperCase()],
      [ID.toUpperCase()],
      [`event 0: "${ID.toUpperCase()}" is not a lower-case UUID`],
    ],
    ['one id missing', [ID, undefined], [ID], ['1 event_ids for 2 events']],
    ['the same id assigned twice', [undefined, undefined], [assigned, assigned], ['an assigned id answered twice']],
    ['no ids at all', [undefined], undefined, ['no event_ids array in the answer']],
  ])('are wrong with %s', (_, sent, answered, problems) => {
    expect(answerProblems(sent, answered)).toEqual(problems);
  });

  it('of a retried Idempotency-Key request must be the first answer, in order', () => {
    expect(sameAnswer([ID, assigned], [ID, assigned])).toBe(true);
    expect(sameAnswer([ID, assigned], [assigned, ID])).toBe(false);
    expect(sameAnswer([ID, assigned], [ID])).toBe(false);
    expect(sameAnswer([ID], undefined)).toBe(false);
  });
});

describe('times as ISO-8601 with a zone offset', () => {
  it.each([
    [Date.UTC(2026, 11, 2, 23, 59, 59, 999), 330, '2026-12-03T05:29:59.999+05:30'],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 7), -480, '2025-12-31T16:00:00.007-08:00'],
    [Date.UTC(2026, 5, 1, 12), 0, '2026-06-01T12:00:00.000+00:00'],
    [Date.UTC(2026, 5, 1, 12), -570, '2026-06-01T02:30:00.000-09:30'],
  ])('writes %i at offset %i minutes as %s, the same instant', (ms, offset, text) => {
    expect(isoWithOffset(ms, offset)).toBe(text);
    expect(Date.parse(text)).toBe(ms);
  });

  it('draws offsets real zones have, and every one round-trips', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const offset = zoneOffset(random);
      expect(offset).toBeGreaterThanOrEqual(-12 * 60 - 45);
      expect(offset).toBeLessThanOrEqual(14 * 60 + 45);
      const ms = Date.UTC(2026, 11, 2) + Math.floor(random() * 86_400_000);
      expect(Date.parse(isoWithOffset(ms, offset))).toBe(ms);
    }
  });
});
