// Kafka down for 60 s under the bridge: nothing acked meanwhile (RabbitMQ keeps every message),
// /readyz says why, the held deliveries are handed back before consumer_timeout could close the
// channel, and once Kafka is back every message is counted once. The shared broker must stay up for
// every other test, so this one runs a broker of its own with the project's launcher, and stops it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { actualRows, countedEvents, eventually, freePort, LAUNCHER_ARGS } from '@tally/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cleanup,
  configFor,
  ensurePika,
  isolatedPipeline,
  ledgerRows,
  legacyEvent,
  publish,
  queueCounts,
  startTestBridge,
} from './fixture.ts';

const run = promisify(execFile);
const OUTAGE_MS = 60_000;
const PREFETCH = 50;

const cleanups: Cleanup[] = [];
beforeAll(ensurePika, 300_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('the bridge during a Kafka outage', () => {
  it('acks nothing while Kafka is down, says why, and counts every message once when it is back', async () => {
    const state = mkdtempSync(join(tmpdir(), 'tally-bridge-outage-'));
    const [brokerPort, controllerPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      TALLY_STATE_DIR: state,
      TALLY_KAFKA_PORT: String(brokerPort),
      TALLY_KAFKA_CONTROLLER_PORT: String(controllerPort),
    };
    const launcher = (...args: string[]) => run(process.execPath, [...LAUNCHER_ARGS, ...args], { env });
    cleanups.push(async () => {
      await launcher('down').catch(() => undefined);
      rmSync(state, { recursive: true, force: true });
    });
    await launcher('up', '--only', 'kafka');

    const t = await isolatedPipeline(cleanups, { KAFKA_BROKERS: `127.0.0.1:${brokerPort}` });
    const bridge = await startTestBridge(
      configFor({ ...t.bridgeEnv(), AMQP_PREFETCH: String(PREFETCH), AMQP_RELEASE_AFTER_MS: '5000' }),
    );
    cleanups.push(() => bridge.stop());
    const readyz = async () =>
      (await bridge.server.inject({ method: 'GET', url: '/readyz' })).json() as {
        status: string;
        checks: Record<string, string>;
      };
    const metric = async (name: string) => {
      const line = (await bridge.server.inject({ method: 'GET', url: '/metrics' })).body
        .split('\n')
        .find((l) => l.startsWith(`${name} `));
      return Number(line?.split(' ').pop() ?? 0);
    };

    const before = Array.from({ length: 100 }, (_, i) => legacyEvent(i, 7));
    await publish(
      t.queue,
      before.map((data, i) => ({ data, message_id: i % 2 === 0 ? `before-${i}` : null })),
    );
    await eventually('the first 100 counted', async () => (await countedEvents(t.url)) >= 100, 120_000, 250);

    await launcher('down');
    const downAt = Date.now();
    const during = Array.from({ length: 300 }, (_, i) => legacyEvent(i + 1_000, 7));
    await publish(
      t.queue,
      during.map((data, i) => ({ data, message_id: i % 2 === 0 ? `during-${i}` : null })),
    );
    const waiting = await eventually(
      '/readyz to say Kafka keeps deliveries waiting',
      async () => {
        const answer = await readyz();
        return answer.status === 'not_ready' && answer.checks.kafka?.startsWith('waiting') ? answer : undefined;
      },
      60_000,
      250,
    );
    expect(waiting.checks.kafka).toMatch(
      /^waiting \d+ s for Kafka to acknowledge \d+ records; \d+ messages held unacked in RabbitMQ/,
    );

    // For the rest of the outage RabbitMQ must hold all 300, ready or unacked (never more than the prefetch).
    let samples = 0;
    while (Date.now() - downAt < OUTAGE_MS) {
      const counts = await queueCounts(t.queue);
      expect(counts && counts.ready + counts.unacked).toBe(300);
      expect(counts?.unacked).toBeLessThanOrEqual(PREFETCH);
      samples++;
    }
    expect(samples).toBeGreaterThan(3);
    // Held past AMQP_RELEASE_AFTER_MS, the deliveries went back to RabbitMQ (before consumer_timeout could close the channel).
    expect(await metric('tally_bridge_releases_total')).toBeGreaterThanOrEqual(1);
    expect(await countedEvents(t.url)).toBe(100);

    await launcher('up', '--only', 'kafka');
    await eventually('all 400 counted', async () => (await countedEvents(t.url)) >= 400, 180_000, 500);
    await eventually(
      'the queue drained, nothing unacked',
      async () => {
        const counts = await queueCounts(t.queue);
        return counts?.ready === 0 && counts.unacked === 0;
      },
      120_000,
      500,
    );
    await eventually('/readyz ready again', async () => (await readyz()).status === 'ready', 60_000, 250);
    expect(await countedEvents(t.url)).toBe(400);
    expect(await actualRows(t.url)).toEqual(ledgerRows([...before, ...during]));
  }, 600_000);
});
