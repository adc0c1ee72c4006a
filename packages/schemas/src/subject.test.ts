import { describe, expect, it } from 'vitest';
import { valueSubject } from './subject.ts';

describe('valueSubject', () => {
  it.each([
    ['report-events', 'report-events-value'],
    ['report-events.dlq', 'report-events.dlq-value'],
  ])('names the value subject of %s by TopicNameStrategy', (topic, subject) => {
    expect(valueSubject(topic)).toBe(subject);
  });

  it('refuses an empty topic', () => {
    expect(() => valueSubject('')).toThrow(RangeError);
  });
});
