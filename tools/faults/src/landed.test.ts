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
  acceptedAlike: [],
  ...over,
});
const ids = (entries: [UncertainEvent, string[]][]) => new Map(entries.map(([e, list]) => [contentKey(e), new Set(list)]));

describe('which events of unknown fate landed on the topic', () => {
  it('takes an event whose content is on the topic under an id no accepted event has, and not one absent from it', () => {
    const there = event('a');
    const absent = event('b', { value: 4 });
    expect(landedEvents([there, absent], ids([[there, ['x']]])).map((e) => e.event_id)).toEqual(['a']);
  });

  it('subtracts the ids of the accepted events that look the same, however often they were resent', () => {
    const twin = event('a', { acceptedAlike: ['accepted-id'] });
    expect(landedEvents([twin], ids([[twin, ['accepted-id']]]))).toEqual([]);
    expect(landedEvents([twin], ids([[twin, ['accepted-id', 'new-id']]])).map((e) => e.event_id)).toEqual(['a']);
  });

  it('lets no lost accepted event hide behind a look-alike of unknown fate that landed', () => {
    // The accepted event's id is not on the topic (lost); the other id is the uncertain one's: it landed, and the
    // check then expects both and finds the loss.
    const twin = event('a', { acceptedAlike: ['lost-id'] });
    expect(landedEvents([twin], ids([[twin, ['landed-id']]])).map((e) => e.event_id)).toEqual(['a']);
  });

  it('takes an event sent with an id by that id alone', () => {
    const sent = event('a', { sentId: 'sent-id' });
    expect(landedEvents([sent], ids([[sent, ['sent-id']]]))).toHaveLength(1);
    expect(landedEvents([sent], ids([[sent, ['other-id']]]))).toEqual([]);
  });

  it('never takes more than were sent, nor fewer than the topic shows', () => {
    const one = event('a');
    const two = event('b');
    expect(landedEvents([one, two], ids([[one, ['x', 'y', 'z']]]))).toHaveLength(2);
    expect(landedEvents([one, two], ids([[one, ['x']]]))).toHaveLength(1);
  });

  it('returns plain events, without the ledger bookkeeping', () => {
    const there = event('a', { sentId: 'x' });
    const [landed] = landedEvents([there], ids([[there, ['x']]]));
    expect(landed).not.toHaveProperty('acceptedAlike');
    expect(landed).not.toHaveProperty('sentId');
  });
});
