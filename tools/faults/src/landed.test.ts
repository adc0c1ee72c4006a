import { contentKey, type UncertainEvent } from '@tally/load/ledger';
import { describe, expect, it } from 'vitest';
import { landedEvents } from './landed.ts';

const at = Date.UTC(2026, 11, 2, 20, 41, 5);
const event = (id: string, over: Partial<UncertainEvent> = {}): UncertainEvent => ({
  event_id: id,
  user_id: '7',
  action: 'login',
  occurred_at: at,
  value: 3,
  source: 'load',
  acceptedAlike: 0,
  ...over,
});
const ids = (entries: [UncertainEvent, string[]][]) => new Map(entries.map(([e, list]) => [contentKey(e), new Set(list)]));

describe('which events of unknown fate landed on the topic', () => {
  it('takes an event whose content is on the topic under an id no accepted event has, and not one absent from it', () => {
    const there = event('a');
    const absent = event('b', { value: 4 });
    expect(landedEvents([there, absent], ids([[there, ['x']]])).map((e) => e.event_id)).toEqual(['a']);
  });

  it('subtracts the accepted events that look the same, however often they were resent', () => {
    const twin = event('a', { acceptedAlike: 1 });
    expect(landedEvents([twin], ids([[twin, ['accepted-id']]]))).toEqual([]);
    expect(landedEvents([twin], ids([[twin, ['accepted-id', 'new-id']]])).map((e) => e.event_id)).toEqual(['a']);
  });

  it('never takes more than were sent, nor fewer than the topic shows', () => {
    const one = event('a');
    const two = event('b');
    expect(landedEvents([one, two], ids([[one, ['x', 'y', 'z']]]))).toHaveLength(2);
    expect(landedEvents([one, two], ids([[one, ['x']]]))).toHaveLength(1);
  });

  it('returns plain events, without the ledger bookkeeping', () => {
    const there = event('a');
    expect(landedEvents([there], ids([[there, ['x']]]))[0]).not.toHaveProperty('acceptedAlike');
  });
});
