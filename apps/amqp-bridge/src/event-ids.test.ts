// Event ids for AMQP messages: derived from message_id, or remembered across a redelivery to this process.
import { describe, expect, it } from 'vitest';
import { contentKey, createIdMemory, derivedEventId } from './event-ids.ts';

const key = contentKey(Buffer.from("{'user_id': 1, 'action': 'login'}"), { appId: 'svc' });
const delivery = (overrides: Partial<Parameters<ReturnType<typeof createIdMemory>['idsFor']>[0]> = {}) => ({
  key,
  messageId: undefined,
  appId: 'svc',
  redelivered: false,
  generation: 1,
  ...overrides,
});

describe('derivedEventId', () => {
  it('is a fixed UUID v5 of app_id, message_id and index (changing it would count redeliveries twice)', () => {
    // The same as Python's uuid.uuid5(UUID('2224f948-…'), 'billing\x00m-1\x002').
    expect(derivedEventId('m-1', undefined, 0)).toBe('f7072c72-03ce-5526-bef7-a5194649396a');
    expect(derivedEventId('m-1', 'billing', 2)).toBe('11478b7d-eec6-5890-a2b6-3a3fc8ac8c15');
    const ids = [
      derivedEventId('m-1', undefined, 0),
      derivedEventId('m-1', undefined, 1),
      derivedEventId('m-2', undefined, 0),
      derivedEventId('m-1', 'billing', 0),
    ];
    expect(new Set(ids).size).toBe(4);
  });
});

describe('createIdMemory', () => {
  it('derives the ids from message_id whatever the delivery, and keeps nothing', () => {
    const memory = createIdMemory(10);
    const first = memory.idsFor(delivery({ messageId: 'm-1' }));
    const again = memory.idsFor(delivery({ messageId: 'm-1', redelivered: true, generation: 2 }));
    expect(first.kind).toBe('message_id');
    expect(again.newEventId(0)).toBe(first.newEventId(0));
    expect(memory.size()).toBe(0);
  });

  it('gives a message redelivered on a later channel the ids it had, while unacknowledged', () => {
    const memory = createIdMemory(10);
    const first = memory.idsFor(delivery());
    const ids = [first.newEventId(0), first.newEventId(1)];
    const redelivery = memory.idsFor(delivery({ redelivered: true, generation: 2 }));
    expect(redelivery.kind).toBe('remembered');
    expect([redelivery.newEventId(0), redelivery.newEventId(1)]).toEqual(ids);
    redelivery.settle();
    expect(memory.size()).toBe(0);
  });

  it('makes new ids for a first delivery of identical content, and for a redelivery once the earlier one was acknowledged', () => {
    const memory = createIdMemory(10);
    const first = memory.idsFor(delivery());
    const twin = memory.idsFor(delivery());
    expect(twin.kind).toBe('new');
    expect(twin.newEventId(0)).not.toBe(first.newEventId(0));
    first.settle();
    twin.settle();
    const late = memory.idsFor(delivery({ redelivered: true, generation: 2 }));
    expect(late.kind).toBe('new');
  });

  it('hands each of two identical unacknowledged messages its own ids back when both are redelivered', () => {
    const memory = createIdMemory(10);
    const a = memory.idsFor(delivery());
    const b = memory.idsFor(delivery());
    const ids = [a.newEventId(0), b.newEventId(0)];
    const again = [
      memory.idsFor(delivery({ redelivered: true, generation: 2 })),
      memory.idsFor(delivery({ redelivered: true, generation: 2 })),
    ];
    expect(again.map((d) => d.kind)).toEqual(['remembered', 'remembered']);
    expect(again.map((d) => d.newEventId(0)).sort()).toEqual([...ids].sort());
    // A third copy on the same channel has no earlier delivery left to take ids from.
    expect(memory.idsFor(delivery({ redelivered: true, generation: 2 })).kind).toBe('new');
  });

  it('never gives a redelivery the ids of a delivery on its own channel', () => {
    const memory = createIdMemory(10);
    memory.idsFor(delivery({ generation: 3 }));
    expect(memory.idsFor(delivery({ redelivered: true, generation: 3 })).kind).toBe('new');
  });

  it('keeps at most its limit, dropping the oldest', () => {
    const memory = createIdMemory(2);
    const keys = ['a', 'b', 'c'].map((k) => contentKey(Buffer.from(k), {}));
    for (const k of keys) memory.idsFor(delivery({ key: k })).newEventId(0);
    expect(memory.size()).toBe(2);
    expect(memory.idsFor(delivery({ key: keys[0] as string, redelivered: true, generation: 2 })).kind).toBe('new');
    expect(memory.idsFor(delivery({ key: keys[2] as string, redelivered: true, generation: 2 })).kind).toBe('remembered');
  });

  it('tells contents apart by body and by the properties that become fields', () => {
    const body = Buffer.from('{}');
    expect(contentKey(body, { appId: 'a' })).not.toBe(contentKey(body, { appId: 'b' }));
    expect(contentKey(body, { appId: 'a' })).not.toBe(contentKey(Buffer.from('{ }'), { appId: 'a' }));
  });
});
