// The launcher's Kafka settings that need no broker: the cluster id it formats storage with.
import { describe, expect, it } from 'vitest';
import { newClusterId } from './kafka.ts';

describe('newClusterId', () => {
  it('is 16 bytes in base64url without padding, as Kafka prints a Uuid', () => {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it("never starts with '-', which kafka-storage would read as an option", () => {
    // 0xf8 encodes to '-' as the first base64url character.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift() as Buffer);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toHaveLength(0);
  });
});
