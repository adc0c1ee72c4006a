import { describe, expect, it } from 'vitest';
import { byId, newKey } from '../api-keys/key-file.ts';
import type { IngestAnswer } from '../ingest/answer.ts';
import { createMetrics } from '../metrics.ts';
import { BodyError, MAX_BODY_BYTES } from './request-body.ts';
import { buildServer, type ServerDeps } from './server.ts';

const key = newKey('checkout', 1);

function serverWith(overrides: Partial<ServerDeps> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const seen: unknown[][] = [];
  const server = buildServer({
    ingest: async (inputs): Promise<IngestAnswer> => {
      seen.push(inputs);
      return { status: 202, body: { accepted: inputs.length, event_ids: [] } };
    },
    metrics,
    readiness: async () => ({ ready: true, checks: {} }),
    draining: () => false,
    ...overrides,
  });
  const post = (payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    server.inject({ method: 'POST', url: '/v1/events', headers, payload });
  return { server, metrics, seen, post };
}

const only = (message: unknown) => ({ errors: [{ index: null, path: '', message }] });

describe('the producer HTTP API', () => {
  it('hands JSON, a JSON array and NDJSON to ingest as a list of inputs', async () => {
    const { post, seen } = serverWith();
    await post('{"a":1}');
    await post('[{"a":1},{"a":2}]');
    await post('{"a":1}\n\n{"a":2}\n', { 'content-type': 'application/x-ndjson' });
    expect(seen).toEqual([[{ a: 1 }], [{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 2 }]]);
  });

  it('answers with the status, body and Retry-After ingest chose', async () => {
    const { post } = serverWith({
      ingest: async () => ({ status: 503, body: { errors: [{ index: null, path: '', message: 'busy' }] }, retryAfterSeconds: 5 }),
    });
    const response = await post('{}');
    expect([response.statusCode, response.headers['retry-after'], response.json()]).toEqual([503, '5', only('busy')]);
  });

  it.each([
    ['broken JSON', '{"a":,}', 'application/json', 400, expect.stringMatching(/^body is not valid JSON: /), 'invalid'],
    [
      'a broken NDJSON line',
      '{}\n{"a":',
      'application/x-ndjson',
      400,
      expect.stringMatching(/^line 2 is not valid JSON: /),
      'invalid',
    ],
    [
      'a body over the limit',
      `"${'x'.repeat(MAX_BODY_BYTES)}"`,
      'application/json',
      413,
      `body is larger than ${MAX_BODY_BYTES} bytes`,
      'too_large',
    ],
    [
      'a text body',
      'hello',
      'text/plain',
      415,
      'unsupported content type "text/plain": send application/json or application/x-ndjson',
      'unsupported_media_type',
    ],
  ])('answers %s by its error code, and counts it', async (_, payload, contentType, status, message, outcome) => {
    const { post, metrics, seen } = serverWith();
    const response = await post(payload, { 'content-type': contentType });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual(only(message));
    expect(seen).toEqual([]);
    expect(await metrics.registry.metrics()).toContain(`tally_producer_http_requests_total{outcome="${outcome}"} 1`);
  });

  it('answers 500 without details when ingest throws', async () => {
    const { post, metrics } = serverWith({
      ingest: async () => {
        throw new Error('secret detail');
      },
    });
    const response = await post('{}');
    expect([response.statusCode, response.json()]).toEqual([500, only('internal error')]);
    expect(await metrics.registry.metrics()).toContain('tally_producer_http_requests_total{outcome="error"} 1');
  });

  it('answers 401 without a valid key and 429 over the key’s limit', async () => {
    const keyRing = { current: () => byId([key.record]), close: () => undefined };
    const { post, metrics } = serverWith({ auth: { keyRing, rateLimitPerMinute: 100 } });
    expect((await post('{}')).statusCode).toBe(401);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` };
    expect((await post('{}', headers)).statusCode).toBe(202);
    const limited = await post('{}', headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual(
      only(expect.stringContaining(`API key ${key.record.id} is over its limit of 1 requests a minute`)),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('tally_producer_http_requests_total{outcome="unauthorized"} 1');
    expect(text).toContain('tally_producer_http_requests_total{outcome="rate_limited"} 1');
  });

  it('hands ingest the Idempotency-Key header and, with auth on, the id of the API key it is scoped to', async () => {
    const tenant = newKey('tenant');
    const keyRing = { current: () => byId([tenant.record]), close: () => undefined };
    const requests: unknown[] = [];
    const { post } = serverWith({
      auth: { keyRing, rateLimitPerMinute: 100 },
      ingest: async (inputs, request) => {
        requests.push(request);
        return { status: 202, body: { accepted: inputs.length, event_ids: [] } };
      },
    });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${tenant.secret}` };
    await post('{}', { ...headers, 'idempotency-key': 'order-42' });
    await post('{}', headers);
    expect(requests).toEqual([
      { idempotencyKey: 'order-42', apiKeyId: tenant.record.id },
      { idempotencyKey: undefined, apiKeyId: tenant.record.id },
    ]);
  });

  it('scopes nothing to an API key when ingest is open', async () => {
    const requests: unknown[] = [];
    const { post } = serverWith({
      ingest: async (inputs, request) => {
        requests.push(request);
        return { status: 202, body: { accepted: inputs.length, event_ids: [] } };
      },
    });
    await post('{}', { 'content-type': 'application/json', 'idempotency-key': 'order-42' });
    expect(requests).toEqual([{ idempotencyKey: 'order-42', apiKeyId: null }]);
  });

  it('gives a body error a code, not retriable', () => {
    expect(new BodyError('nope')).toMatchObject({ code: 'BODY_NOT_JSON', retriable: false });
  });
});
