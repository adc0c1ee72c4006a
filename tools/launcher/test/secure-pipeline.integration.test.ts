import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '@tally/config';
import { newKey, writeKeyFile } from '@tally/producer/api-keys';
import { type AppProcess, eventually, SCHEMA_REGISTRY_URL, sql, startApp, stopApp, urlFor, waitReady } from '@tally/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecureBroker, startSecureBroker } from './secure-broker.ts';

// The whole pipeline on `infra:up --secure`: each app with its own Kafka principal (from the env
// files the launcher wrote) and its own PostgreSQL role, ingest behind an API key. Every line
// every app printed is then searched for every secret.
const start = (app: 'producer' | 'consumer' | 'reports', env: Record<string, string>) =>
  startApp(app, app, { LOG_LEVEL: 'debug', ...env }, { captureOutput: true });

describe('the pipeline on a secure broker', () => {
  const database = `tally_secure_test_${randomUUID().replaceAll('-', '')}`;
  const keysFile = join(mkdtempSync(join(tmpdir(), 'secure-keys-')), 'keys.json');
  const key = newKey('secure-test');
  const apps: AppProcess[] = [];
  let broker: SecureBroker;

  beforeAll(async () => {
    broker = await startSecureBroker();
    await sql(urlFor('postgres'), `CREATE DATABASE ${database}`);
    writeKeyFile(keysFile, [key.record]);
  });
  afterAll(async () => {
    for (const app of apps) await stopApp(app);
    await sql(urlFor('postgres'), `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await broker?.stop();
  });

  it('counts events sent with an API key, each app with its own principal and role, and no secret in any log', async () => {
    const common = { SCHEMA_REGISTRY_URL, REPORT_TOPIC: DEFAULTS.reportTopic };
    const consumer = await start('consumer', {
      ...common,
      ...broker.appEnv('consumer'),
      DATABASE_URL: urlFor(database, 'tally_consumer'),
      MIGRATIONS_DATABASE_URL: urlFor(database),
    });
    apps.push(consumer);
    await waitReady(consumer, 90_000);
    const producer = await start('producer', { ...common, ...broker.appEnv('producer'), INGEST_API_KEYS_FILE: keysFile });
    const reports = await start('reports', {
      ...common,
      ...broker.appEnv('reports'),
      DATABASE_URL: urlFor(database, 'tally_reports'),
    });
    apps.push(producer, reports);
    await waitReady(producer);
    await waitReady(reports);

    const events = Array.from({ length: 50 }, (_, i) => ({
      event_id: randomUUID(),
      user_id: `s${i % 5}`,
      action: 'login',
      occurred_at: new Date().toISOString(),
    }));
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${producer.port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(events),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${key.secret}` })).status).toBe(202);

    await eventually(
      'the 50 events counted',
      async () => {
        const [row] = await sql<{ n: string | null }>(urlFor(database), 'SELECT sum(event_count) AS n FROM aggregates_minute');
        return row?.n === '50' || undefined;
      },
      60_000,
    );
    const freshness = await eventually('reports to see no lag', async () => {
      const answer = (await (await fetch(`http://127.0.0.1:${reports.port}/v1/freshness`)).json()) as { lag: number };
      return answer.lag === 0 ? answer : undefined;
    });
    expect(freshness.lag).toBe(0);

    // A producer with a wrong password fails at start, saying why, without showing the password.
    const wrongPassword = `wrong-${randomUUID()}`;
    const impostor = await start('producer', { ...common, ...broker.appEnv('producer'), KAFKA_SASL_PASSWORD: wrongPassword });
    expect(await impostor.exited).not.toBe(0);
    expect(impostor.output()).toMatch(/SASL SCRAM SHA512 authentication failed|authentication failed/i);

    await sleep(500);
    const secrets = [
      broker.password('admin'),
      broker.password('tally-producer'),
      broker.password('tally-consumer'),
      broker.password('tally-reports'),
      wrongPassword,
      key.secret,
    ];
    for (const [name, app] of [
      ['consumer', consumer],
      ['producer', producer],
      ['reports', reports],
      ['impostor', impostor],
    ] as const) {
      const output = app.output();
      expect(output.length, name).toBeGreaterThan(0);
      for (const secret of secrets) expect(output.includes(secret), `${name} printed a secret`).toBe(false);
    }
  });
});
