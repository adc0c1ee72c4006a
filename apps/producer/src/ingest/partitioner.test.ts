import { readFileSync } from 'node:fs';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';

// Which partition Kafka's own Java client picked for each key, recorded by
// `node tools/launcher/scripts/java-partition-vectors.ts` (see the file's generatedBy).
const vectors = JSON.parse(readFileSync(new URL('./partitioner.vectors.json', import.meta.url), 'utf8')) as {
  generatedBy: string;
  cases: { partitions: number; key: string; partition: number }[];
};

describe("the producer's partitioner (kafkajs DefaultPartitioner)", () => {
  const partition = Partitioners.DefaultPartitioner();
  const metadata = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
    }));

  it.each([12, 7])('picks the Java client’s partition for each of at least 1,000 keys over %i partitions', (count) => {
    const cases = vectors.cases.filter((c) => c.partitions === count);
    expect(cases.length).toBeGreaterThanOrEqual(1_000);
    const chosen = cases.map((c) =>
      partition({ topic: 't', partitionMetadata: metadata(count), message: { key: c.key, value: null } }),
    );
    const mismatches = cases.filter((c, i) => chosen[i] !== c.partition);
    expect(mismatches).toEqual([]);
    // The vectors spread over every partition, so agreement is not a fluke of a few buckets.
    expect(new Set(chosen).size).toBe(count);
  });

  it('keeps a key on its partition whatever else is unavailable, as the Java client does', () => {
    const [seed] = vectors.cases.filter((c) => c.partitions === 12 && c.key === '1');
    const degraded = metadata(12).map((p) => (p.partitionId === seed?.partition ? p : { ...p, leader: -1 }));
    expect(partition({ topic: 't', partitionMetadata: degraded, message: { key: '1', value: null } })).toBe(seed?.partition);
  });
});
