import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { pipelineNames } from '@tally/config';
import { afterAll, describe, expect, it } from 'vitest';
import { createReportCodec } from '../src/codec.ts';
import { registryVerdict } from '../src/compatibility.ts';
import { type AvroRecordSchema, reportEventVersions } from '../src/schema-files.ts';

// NOTE: not @tally/testkit, which depends on this package: the apps' own variable and default.
const REGISTRY_URL = pipelineNames(process.env).schemaRegistryUrl;
const [v1, v2] = reportEventVersions().map((v) => v.schema) as [AvroRecordSchema, AvroRecordSchema];
const topic = `gate-test-${randomUUID()}`;
const subject = `${topic}-value`;
afterAll(() => fetch(`${REGISTRY_URL}/subjects/${subject}`, { method: 'DELETE' }));

describe('the registry side of the compatibility gate', () => {
  it('has nothing to compare with before the first registration', async () => {
    expect(await registryVerdict(REGISTRY_URL, subject, v2)).toEqual({ kind: 'not-registered' });
  });

  it('accepts the next version and refuses a breaking one, at the level set on first registration', async () => {
    await createReportCodec({ registry: new SchemaRegistry({ host: REGISTRY_URL }), topic, schema: v1 }).schemaId();
    expect(await registryVerdict(REGISTRY_URL, subject, v2)).toEqual({
      kind: 'compatible',
      level: 'BACKWARD_TRANSITIVE',
      versions: 1,
    });
    const breaking = { ...v2, fields: v2.fields.map((f) => (f.name === 'user_id' ? { ...f, type: 'long' } : f)) };
    expect(await registryVerdict(REGISTRY_URL, subject, breaking)).toEqual({
      kind: 'incompatible',
      level: 'BACKWARD_TRANSITIVE',
      versions: 1,
    });
  });

  it('says so when the registry cannot be reached', async () => {
    expect(await registryVerdict('http://127.0.0.1:9/apis/ccompat/v7', subject, v2)).toMatchObject({ kind: 'unreachable' });
  });
});
