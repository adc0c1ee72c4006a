// The Idempotency-Key header: which keys are taken, and the event ids derived from them.
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_MAX_LENGTH, idempotentEventId, readIdempotencyKey, uuidV5 } from './idempotency-key.ts';

const CHARACTERS = 'must be letters, digits and - _ . : ~ + / = only';

describe('readIdempotencyKey', () => {
  it.each([
    ['no header', undefined, undefined],
    ['a UUID', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
    ['base64 with padding', 'b3JkZXItNDI+/w==', 'b3JkZXItNDI+/w=='],
    ['an order reference', 'order:2026-11-24.42~retry_ok', 'order:2026-11-24.42~retry_ok'],
    ['a quoted key (the IETF draft’s structured-field string)', '"order-42"', 'order-42'],
    ['the longest key allowed', 'k'.repeat(IDEMPOTENCY_KEY_MAX_LENGTH), 'k'.repeat(IDEMPOTENCY_KEY_MAX_LENGTH)],
  ])('takes %s', (_, header, key) => {
    expect(readIdempotencyKey(header)).toEqual({ ok: true, key });
  });

  it.each([
    ['an empty key', '', `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters`],
    ['empty quotes', '""', `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters`],
    [
      'a key one character too long',
      'k'.repeat(IDEMPOTENCY_KEY_MAX_LENGTH + 1),
      `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
    ],
    ['a key with a space', 'order 42', CHARACTERS],
    ['two headers, joined by Node with a comma', 'order-42, order-43', CHARACTERS],
    ['a key with a NUL (the separator of the derivation)', 'a\u0000b', CHARACTERS],
    ['a key with a control character', 'a\tb', CHARACTERS],
    ['a key with non-ASCII letters', 'commande-é', CHARACTERS],
    ['a key with an unbalanced quote', '"order-42', CHARACTERS],
    ['a key with a quote inside', 'or"der', CHARACTERS],
  ])('refuses %s, saying why', (_, header, message) => {
    expect(readIdempotencyKey(header)).toEqual({ ok: false, message });
  });

  it('refuses the header given twice as separate values', () => {
    expect(readIdempotencyKey(['a', 'b'])).toEqual({ ok: false, message: 'must be given once' });
  });
});

describe('idempotentEventId', () => {
  it('is a UUID v5 in the Tally namespace over "<api key id>\\0<key>\\0<index>", pinned so retries survive upgrades', () => {
    expect(idempotentEventId('order-42', null, 0)).toBe('42e790cb-5e72-52a4-9917-91a5021666ed');
    expect(idempotentEventId('order-42', null, 1)).toBe('01729fe4-b4a2-5d92-918c-3e7985fddfba');
    expect(idempotentEventId('order-42', '0a1b2c3d', 0)).toBe('c65543e7-2a22-5b41-ba01-3d8fba200751');
  });

  it('gives the same id for the same key, tenant and index, and a different one when any of them differs', () => {
    const id = idempotentEventId('order-42', 'aaaaaaaa', 3);
    expect(idempotentEventId('order-42', 'aaaaaaaa', 3)).toBe(id);
    const others = [
      idempotentEventId('order-42', 'bbbbbbbb', 3),
      idempotentEventId('order-43', 'aaaaaaaa', 3),
      idempotentEventId('order-42', 'aaaaaaaa', 4),
      idempotentEventId('order-42', null, 3),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});

describe('uuidV5', () => {
  it('matches RFC 9562’s name-based UUID (Python’s uuid5(NAMESPACE_DNS, "www.example.com"))', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
