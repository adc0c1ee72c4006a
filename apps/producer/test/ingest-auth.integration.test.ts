import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, readKeyFile, writeKeyFile } from '../src/api-keys/key-file.ts';
import { loadConfig } from '../src/config.ts';
import { MAX_BODY_BYTES } from '../src/http/request-body.ts';
import { type RunningProducer, startProducer } from '../src/producer-app.ts';

// Authenticated ingest against the real broker and registry: every refusal is checked against the
// topic too, so "refused" means nothing reached Kafka, not just a 4xx.
const config = loadConfig(process.env);
const admin = new Kafka({ clientId: 'ingest-auth-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
const topic = `ingest-auth-${randomUUID()}`;
const keysFile = join(mkdtempSync(join(tmpdir(), 'ingest-keys-')), 'keys.json');
const writer = newKey('writer');
const limited = newKey('limited', 3);
const revoked = newKey('revoked-later');
const otherTenant = newKey('other-tenant');
let producer: RunningProducer;

beforeAll(async () => {
  writeKeyFile(keysFile, [writer.record, limited.record, revoked.record, otherTenant.record]);
  producer = await startProducer(
    loadConfig({ ...process.env, REPORT_TOPIC: topic, INGEST_API_KEYS_FILE: keysFile }),
    pino({ level: 'silent' }),
    { defaultMetrics: false },
  );
  await admin.connect();
});
afterAll(async () => {
  await producer?.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

const event = () => ({
  event_id: randomUUID(),
  user_id: 'u-1',
  action: 'login',
  occurred_at: new Date().toISOString(),
});

function post(headers: Record<string, string>, body: string = JSON.stringify([event()])) {
  return producer.server.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

async function recordCount(): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

describe('POST /v1/events with INGEST_API_KEYS_FILE', () => {
  it('accepts a valid key, as a bearer token or X-API-Key', async () => {
    const before = await recordCount();
    expect((await post({ authorization: `Bearer ${writer.secret}` })).statusCode).toBe(202);
    expect((await post({ 'x-api-key': writer.secret })).statusCode).toBe(202);
    expect(await recordCount()).toBe(before + 2);
  });

  it('answers 401 with the reason, before reading the body, and produces nothing', async () => {
    const before = await recordCount();
    const cases: [Record<string, string>, string][] = [
      [{}, 'missing API key'],
      [{ authorization: 'Bearer nope' }, 'API key is malformed'],
      [{ authorization: `Bearer ${newKey('never-stored').secret}` }, 'API key is not valid'],
      [{ authorization: `Bearer ${writer.secret.slice(0, -4)}AAAA` }, 'API key is not valid'],
    ];
    for (const [headers, reason] of cases) {
      const response = await post(headers, 'this body is never parsed {');
      expect(response.statusCode, reason).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="tally-ingest"');
      expect(response.json().errors[0]).toMatchObject({
        path: 'headers.authorization',
        message: expect.stringContaining(reason),
      });
    }
    expect(await recordCount()).toBe(before);
  });

  it('refuses a revoked key within seconds, without a restart', async () => {
    expect((await post({ authorization: `Bearer ${revoked.secret}` })).statusCode).toBe(202);
    const keys = readKeyFile(keysFile).map((k) =>
      k.id === revoked.record.id ? { ...k, revoked_at: new Date().toISOString() } : k,
    );
    writeKeyFile(keysFile, keys);
    await eventually(
      'the revoked key refused',
      async () => (await post({ authorization: `Bearer ${revoked.secret}` })).statusCode === 401,
      10_000,
      200,
    );
    const refused = await post({ authorization: `Bearer ${revoked.secret}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().errors[0].message).toBe('API key has been revoked');
    // The other keys are untouched by the reload.
    expect((await post({ authorization: `Bearer ${writer.secret}` })).statusCode).toBe(202);
  });

  it('limits each key to its requests a minute with 429 and Retry-After, leaving other keys alone', async () => {
    const statuses: number[] = [];
    let last = await post({ authorization: `Bearer ${limited.secret}` });
    statuses.push(last.statusCode);
    for (let i = 0; i < 3; i++) {
      last = await post({ authorization: `Bearer ${limited.secret}` });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const retryAfter = Number(last.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last.json().errors[0].message).toContain(`API key ${limited.record.id} is over its limit of 3 requests a minute`);
    expect((await post({ authorization: `Bearer ${writer.secret}` })).statusCode).toBe(202);
  });

  it('scopes an Idempotency-Key to the API key: two tenants sending the same key get different event ids', async () => {
    const body = JSON.stringify([{ user_id: 'u-1', action: 'login', occurred_at: new Date().toISOString() }]);
    const send = (secret: string) => post({ authorization: `Bearer ${secret}`, 'idempotency-key': 'same-key-1' }, body);
    const [first, retry, tenant] = [await send(writer.secret), await send(writer.secret), await send(otherTenant.secret)];
    expect([first.statusCode, retry.statusCode, tenant.statusCode]).toEqual([202, 202, 202]);
    expect(retry.json().event_ids).toEqual(first.json().event_ids);
    expect(tenant.json().event_ids[0]).not.toBe(first.json().event_ids[0]);
  });

  it('never lets an oversized or malformed body reach Kafka, even with a valid key', async () => {
    const before = await recordCount();
    const auth = { authorization: `Bearer ${writer.secret}` };
    const oversized = await post(auth, JSON.stringify([{ ...event(), action: 'x'.repeat(MAX_BODY_BYTES) }]));
    expect(oversized.statusCode).toBe(413);
    const malformed = await post(auth, '[{"event_id": ');
    expect(malformed.statusCode).toBe(400);
    const invalid = await post(
      auth,
      JSON.stringify([
        { ...event(), user_id: '' },
        { ...event(), occurred_at: 'yesterday' },
      ]),
    );
    expect(invalid.statusCode).toBe(400);
    expect(await recordCount()).toBe(before);
  });
});
