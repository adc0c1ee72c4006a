import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { pipelineNames } from '@tally/config';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { createReportCodec } from '../src/codec.ts';
import type { SchemaError } from '../src/errors.ts';
import type { ReportEventV1 } from '../src/report-event.generated.ts';
import { type AvroRecordSchema, reportEventVersions } from '../src/schema-files.ts';
import { writeHeader } from '../src/wire-format.ts';

// NOTE: not @tally/testkit, which depends on this package: the apps' own variable and default.
const REGISTRY_URL = pipelineNames(process.env).schemaRegistryUrl;
const registry = new SchemaRegistry({ host: REGISTRY_URL });
const [v1, v2] = reportEventVersions().map((v) => v.schema) as [AvroRecordSchema, AvroRecordSchema];

const topics: string[] = [];
function topic(): string {
  const name = `codec-test-${randomUUID()}`;
  topics.push(name);
  return name;
}
afterAll(async () => {
  for (const name of topics) await fetch(`${REGISTRY_URL}/subjects/${name}-value`, { method: 'DELETE' });
});

/** A registry of the test's own that answers 404 to everything, as a wrong URL or an empty registry does. */
async function notFoundRegistry(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error_code: 404, message: 'HTTP 404 Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Registers a schema of another type (JSON, PROTOBUF) under a subject of the test's own; its id. */
async function registerOtherType(schemaType: string, schema: string): Promise<number> {
  const response = await fetch(`${REGISTRY_URL}/subjects/${topic()}-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType, schema }),
  });
  if (!response.ok) throw new Error(`registering a ${schemaType} schema: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

const event = {
  event_id: '0190b3a4-7f00-7000-8000-000000000001',
  user_id: '42',
  action: 'job.finished',
  occurred_at: 1_795_500_000_000,
  received_at: 1_795_500_000_250,
  source: 'scheduler',
  value: 312.5,
  attributes: { queue: 'default' },
  session_id: 's-1',
};
const { session_id: _, ...eventV1 } = event;

async function failure(promise: Promise<{ ok: boolean; error?: SchemaError }>) {
  const result = await promise;
  if (result.ok || !result.error) throw new Error('expected the decode to fail');
  return result.error;
}

describe('the report codec, against the real registry', () => {
  it('round-trips an event through the Confluent wire format', async () => {
    const codec = createReportCodec({ registry, topic: topic() });
    const encoded = await codec.encode(event);
    expect(await codec.decode(encoded)).toEqual({ ok: true, event, schemaId: await codec.schemaId() });
  });

  it('encodes synchronously once the id is known, events larger than its scratch buffer too', async () => {
    const codec = createReportCodec({ registry, topic: topic() });
    const encode = await codec.encoder();
    const big = { ...event, attributes: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'.repeat(256)])) };
    for (const item of [event, big, event]) expect(await codec.decode(encode(item))).toMatchObject({ ok: true, event: item });
    expect(encode(big).length).toBeGreaterThan(32 * 256);
  });

  it('writes magic byte 0, the registry id big-endian, then the plain Avro body', async () => {
    const codec = createReportCodec({ registry, topic: topic() });
    const encoded = await codec.encode(event);
    const id = await codec.schemaId();
    expect(encoded[0]).toBe(0);
    expect([...encoded.subarray(1, 5)]).toEqual([(id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
    expect(avro.Type.forSchema(v2 as avro.Schema).fromBuffer(encoded.subarray(5))).toEqual(event);
    const registered = (await (await fetch(`${REGISTRY_URL}/schemas/ids/${id}`)).json()) as { schema: string };
    expect(JSON.parse(registered.schema)).toMatchObject({ name: 'ReportEvent', namespace: 'tally' });
  });

  it('registers once and keeps the subject BACKWARD_TRANSITIVE', async () => {
    const codec = createReportCodec({ registry, topic: topic() });
    const [a, b] = await Promise.all([codec.encode(event), codec.encode(event)]);
    expect(a.subarray(0, 5)).toEqual(b.subarray(0, 5));
    const config = await (await fetch(`${REGISTRY_URL}/config/${codec.subject}`)).json();
    expect(config).toEqual({ compatibilityLevel: 'BACKWARD_TRANSITIVE' });
    const versions = await (await fetch(`${REGISTRY_URL}/subjects/${codec.subject}/versions`)).json();
    expect(versions).toHaveLength(1);
  });

  it('reads v1 records as v2 and v2 records as v1', async () => {
    const name = topic();
    const older = createReportCodec<ReportEventV1>({ registry, topic: name, schema: v1 });
    const newer = createReportCodec({ registry, topic: name, schema: v2 });
    const writtenByV1 = await older.encode(eventV1);
    const writtenByV2 = await newer.encode(event);
    expect(await older.schemaId()).not.toBe(await newer.schemaId());

    expect(await newer.decode(writtenByV1)).toMatchObject({ ok: true, event: { ...eventV1, session_id: null } });
    const readByV1 = await older.decode(writtenByV2);
    expect(readByV1).toEqual({ ok: true, event: eventV1, schemaId: await newer.schemaId() });
  });

  it.each([
    ['a field added without a default', [...v2.fields, { name: 'tenant', type: 'string', doc: 'x' }]],
    ['a type changed', v2.fields.map((f) => (f.name === 'user_id' ? { ...f, type: 'long' } : f))],
  ])('lets the registry refuse a breaking version: %s', async (_, fields) => {
    const name = topic();
    await createReportCodec({ registry, topic: name }).schemaId();
    const breaking = createReportCodec({ registry, topic: name, schema: { ...v2, fields } });
    await expect(breaking.schemaId()).rejects.toMatchObject({ code: 'REGISTRATION_REFUSED', retriable: false });
  });

  it('refuses to encode a value that does not fit, saying where', async () => {
    const codec = createReportCodec({ registry, topic: topic() });
    await expect(codec.encode({ ...event, occurred_at: 'yesterday' } as never)).rejects.toMatchObject({
      code: 'ENCODE_INVALID',
      message: expect.stringContaining('at occurred_at'),
    });
  });

  describe('tells decode failures apart', () => {
    const codec = createReportCodec({ registry, topic: topic() });

    it.each([
      ['plain text', Buffer.from('{"user_id":1}'), /magic byte is 123, not 0/],
      ['a short record', Buffer.from([0, 0, 1]), /too short: 3 bytes/],
      ['a tombstone', null, /no value/],
    ])('not wire format: %s', async (_, bytes, reason) => {
      const error = await failure(codec.decode(bytes));
      expect(error).toMatchObject({ code: 'NOT_WIRE_FORMAT', retriable: false, message: expect.stringMatching(reason) });
    });

    it('an id the registry does not know, when the registry holds the subject', async () => {
      await codec.schemaId(); // the subject is registered: this is the right registry
      const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]);
      expect(await failure(codec.decode(bytes))).toMatchObject({
        code: 'UNKNOWN_SCHEMA_ID',
        schemaId: 0x7ffffff0,
        retriable: false,
      });
    });

    it('a body that is not a value of its schema', async () => {
      const good = await codec.encode(event);
      const truncated = good.subarray(0, good.length - 3);
      const trailing = Buffer.concat([good, Buffer.from([1, 2, 3])]);
      for (const bytes of [truncated, trailing]) {
        expect(await failure(codec.decode(bytes))).toMatchObject({ code: 'BODY_MISMATCH', schemaId: await codec.schemaId() });
      }
    });

    it('a record written with an unrelated schema', async () => {
      const other = createReportCodec<{ x: number }>({
        registry,
        topic: topic(),
        schema: { type: 'record', name: 'Unrelated', fields: [{ name: 'x', type: 'int' }] },
      });
      const bytes = await other.encode({ x: 1 });
      expect(await failure(codec.decode(bytes))).toMatchObject({ code: 'INCOMPATIBLE_SCHEMA', schemaId: await other.schemaId() });
    });

    it.each([
      ['JSON', JSON.stringify({ type: 'object', properties: { x: { type: 'number' } } })],
      ['PROTOBUF', 'syntax = "proto3";\nmessage NotAvro { int32 x = 1; }\n'],
    ])('an id that names a %s schema, which is poison and not retried', async (schemaType, schema) => {
      await codec.schemaId();
      const id = await registerOtherType(schemaType, schema);
      const bytes = Buffer.concat([writeHeader(id), Buffer.from('{"x":1}')]);
      expect(await failure(codec.decode(bytes))).toMatchObject({
        code: 'SCHEMA_NOT_AVRO',
        schemaId: id,
        retriable: false,
        message: expect.stringContaining(schemaType),
      });
    });

    it('an unreachable registry, which is thrown and retriable', async () => {
      const offline = createReportCodec({
        // Port 1 (tcpmux): nothing listens there, so the connection is refused at once.
        registry: new SchemaRegistry({ host: 'http://127.0.0.1:1', retry: { retries: 0 } }),
        topic: topic(),
      });
      await expect(offline.decode(await codec.encode(event))).rejects.toMatchObject({
        code: 'REGISTRY_UNAVAILABLE',
        retriable: true,
      });
      await expect(offline.schemaId()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
    });
  });

  describe('an unknown id is poison only from the right registry', () => {
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]);
    const servers: Server[] = [];
    afterAll(() => {
      for (const server of servers) server.close();
    });

    it.each([
      [
        'a registry that answers 404 to everything',
        async () => {
          const fake = await notFoundRegistry();
          servers.push(fake.server);
          return fake.url;
        },
      ],
      ['the real registry under a wrong path', async () => new URL(REGISTRY_URL).origin],
      ['a registry that lacks the subject (empty, or another one)', async () => REGISTRY_URL],
    ])('%s: a retriable outage, not poison', async (_, url) => {
      const codec = createReportCodec({
        registry: new SchemaRegistry({ host: await url(), retry: { retries: 0 } }),
        topic: topic(),
      });
      await expect(codec.decode(unknownId)).rejects.toMatchObject({ code: 'REGISTRY_WRONG_OR_EMPTY', retriable: true });
      expect(await codec.registryHealth()).toMatchObject({
        ok: false,
        error: { code: 'REGISTRY_WRONG_OR_EMPTY', message: expect.stringContaining(codec.subject) },
      });
    });

    it('reports a healthy registry once it holds the subject', async () => {
      const codec = createReportCodec({ registry, topic: topic(), healthCacheMs: 0 });
      await expect(codec.decode(unknownId)).rejects.toMatchObject({ code: 'REGISTRY_WRONG_OR_EMPTY' });
      await codec.schemaId();
      expect(await codec.registryHealth()).toEqual({ ok: true });
      expect(await failure(codec.decode(unknownId))).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', retriable: false });
    });

    it('reports an unreachable registry as unhealthy', async () => {
      const offline = createReportCodec({
        registry: new SchemaRegistry({ host: 'http://127.0.0.1:1', retry: { retries: 0 } }),
        topic: topic(),
      });
      expect(await offline.registryHealth()).toMatchObject({ ok: false, error: { code: 'REGISTRY_UNAVAILABLE' } });
    });
  });
});
