import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, freePort, LAUNCHER_ARGS } from '@tally/testkit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startProducer } from '../src/producer-app.ts';

// The shared broker must stay up for every other test, so this one runs a broker of its own with
// the project's launcher (`--only kafka`, a private state folder and ports), and stops it.
const run = promisify(execFile);

describe('the producer during a broker outage', () => {
  it('answers 503 with Retry-After while Kafka is down and 202 again once it is back, without a restart', async () => {
    const state = mkdtempSync(join(tmpdir(), 'tally-outage-'));
    const [brokerPort, controllerPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      TALLY_STATE_DIR: state,
      TALLY_KAFKA_PORT: String(brokerPort),
      TALLY_KAFKA_CONTROLLER_PORT: String(controllerPort),
    };
    const launcher = (...args: string[]) => run(process.execPath, [...LAUNCHER_ARGS, ...args], { env });
    const event = () => JSON.stringify({ user_id: 'outage', action: 'ping', occurred_at: Date.now() - 1_000 });

    await launcher('up', '--only', 'kafka');
    const config = loadConfig({
      ...process.env,
      KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
      REPORT_TOPIC: `outage-test-${randomUUID()}`,
      PRODUCER_ACK_TIMEOUT_MS: '2000',
    });
    const producer = await startProducer(config, pino({ level: 'silent' }), { defaultMetrics: false });
    const post = () =>
      producer.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json' },
        payload: event(),
      });
    try {
      expect((await post()).statusCode).toBe(202);

      await launcher('down');
      const during = await post();
      expect(during.statusCode).toBe(503);
      expect(Number(during.headers['retry-after'])).toBeGreaterThan(0);
      expect(during.json()).toEqual({
        errors: [{ index: null, path: '', message: 'Kafka did not acknowledge within 2000 ms; retry' }],
      });
      expect((await producer.server.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
        /tally_producer_events_total\{outcome="failed",reason="ack_timeout"\} 1/,
      );

      await launcher('up', '--only', 'kafka');
      await eventually('a 202 once Kafka is back', async () => (await post()).statusCode === 202, 60_000, 0);
    } finally {
      await producer.stop().catch(() => undefined);
      await launcher('down').catch(() => undefined);
      rmSync(state, { recursive: true, force: true });
    }
  }, 180_000);
});
