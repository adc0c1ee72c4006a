import { describe, expect, it } from 'vitest';
import { fingerprintOf, sameRecord } from './fingerprint.ts';

const message = (over: { offset?: string; timestamp?: string; key?: Buffer | null; value?: Buffer | null } = {}) => ({
  offset: '7',
  timestamp: '1796234409989',
  key: Buffer.from('user-1'),
  value: Buffer.from('event'),
  ...over,
});

describe('a record’s fingerprint', () => {
  it('is the same for the same record read twice', () => {
    expect(sameRecord(fingerprintOf(message()), fingerprintOf(message()))).toBe(true);
  });

  it.each([
    ['another offset', message({ offset: '8' })],
    ['another timestamp', message({ timestamp: '1796234409990' })],
    ['another value', message({ value: Buffer.from('other') })],
    [
      'the same bytes split otherwise between key and value',
      message({ key: Buffer.from('user-1e'), value: Buffer.from('vent') }),
    ],
    ['a null key', message({ key: null })],
    ['a null value', message({ value: null })],
  ])('differs for %s', (_name, other) => {
    expect(sameRecord(fingerprintOf(message()), fingerprintOf(other))).toBe(false);
  });
});
