import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runLoadProcess } from '@tally/load/process';
import {
  type AppProcess,
  eventually,
  KAFKA_BROKERS,
  ROOT,
  SCHEMA_REGISTRY_URL,
  sql,
  startApp,
  stopApp,
  urlFor,
  waitReady,
} from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The dashboard in Debian's Chromium, while `pnpm load` runs through the real producer, consumer
// and reports app: the numbers it shows must be the database's.
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'docs', 'dashboard.png');

describe('the dashboard', () => {
  const id = randomUUID().replaceAll('-', '');
  const database = `tally_dashboard_test_${id}`;
  const topic = `dashboard-test-${id}`;
  const env = {
    KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    SCHEMA_REGISTRY_URL,
    DATABASE_URL: urlFor(database),
    REPORT_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    CONSUMER_GROUP: topic,
  };
  const apps: AppProcess[] = [];
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no browser at ${CHROMIUM}: install Debian's chromium (sudo apt-get install -y chromium, or bash infra/setup-chromium.sh)`,
      );
    }
    await sql(urlFor('postgres'), `CREATE DATABASE ${database}`);
    const consumer = await startApp('consumer', 'consumer', env);
    const producer = await startApp('producer', 'producer', env);
    apps.push(consumer, producer);
    await waitReady(consumer, 90_000); // its migrations create the tables and the tally_reports role
    await waitReady(producer);
    const reports = await startApp('reports', 'reports', { ...env, DATABASE_URL: urlFor(database, 'tally_reports') });
    apps.push(reports);
    await waitReady(reports);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(apps.map((app) => stopApp(app)));
    await sql(urlFor('postgres'), `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    const admin = new Kafka({ clientId: 'dashboard-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('shows the numbers in the database while load runs, live', async () => {
    const [, producer, reports] = apps as [AppProcess, AppProcess, AppProcess];
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`http://127.0.0.1:${reports.port}/?range=15m`);

    const load = runLoadProcess({
      url: `http://127.0.0.1:${producer.port}/v1/events`,
      rate: 2_000,
      seconds: 15,
      seed: 1,
      users: 200,
      skew: 1.1,
      ledger: join(ROOT, '.local', 'load', `dashboard-test-${randomUUID()}.json`),
    });
    // Three poison records straight to the topic: the dead-letter tile must count them.
    const kafka = new Kafka({ clientId: 'dashboard-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const rawProducer = kafka.producer();
    await rawProducer.connect();
    await rawProducer.send({ topic, messages: [{ value: 'not avro' }, { value: 'still not' }, { value: '{}' }] });
    await rawProducer.disconnect();

    // While load runs, the live tiles move.
    await eventually('a live ingest rate above zero', async () => {
      const shown = (await page.getByTestId('tile-ingested').textContent())?.replaceAll(',', '') ?? '';
      return Number.parseFloat(shown) > 0 ? shown : undefined;
    });
    const loaded = await load;
    expect(loaded.exitCode, `pnpm load failed:\n${loaded.stderr}`).toBe(0);

    // Once everything is applied, the next refresh must show exactly the database's numbers.
    const end = await eventually(
      'the consumer to apply everything',
      async () => {
        const admin = kafka.admin();
        await admin.connect();
        const high = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
        await admin.disconnect();
        const [applied] = await sql<{ n: string | null }>(urlFor(database), 'SELECT sum(next_offset) AS n FROM consumer_offsets');
        return Number(applied?.n ?? 0) >= high ? new Date() : undefined;
      },
      120_000,
    );
    await eventually(
      'a refresh after the consumer caught up',
      async () => {
        const at = await page.locator('body').getAttribute('data-refreshed-at');
        return at && Date.parse(at) > end.getTime() ? at : undefined;
      },
      30_000,
    );

    const byAction = await sql<{ action: string; n: string }>(
      urlFor(database),
      'SELECT action, sum(event_count) AS n FROM aggregates_minute GROUP BY action ORDER BY action',
    );
    const shownByAction = await page
      .getByTestId('action-total')
      .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-action'), Number(row.getAttribute('data-count'))]));
    expect(shownByAction).toEqual(byAction.map((r) => [r.action, Number(r.n)]));
    expect(byAction.reduce((sum, r) => sum + Number(r.n), 0)).toBeGreaterThan(20_000);

    const topUsers = await sql<{ user_id: string; n: string }>(
      urlFor(database),
      'SELECT user_id, sum(event_count) AS n FROM aggregates_minute GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10',
    );
    const shownTop = await page
      .getByTestId('top-user')
      .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-user'), Number(row.getAttribute('data-count'))]));
    expect(shownTop).toEqual(topUsers.map((r) => [r.user_id, Number(r.n)]));

    const [deadLetters] = await sql<{ n: string }>(urlFor(database), 'SELECT count(*) AS n FROM dead_letters');
    expect(Number(deadLetters?.n)).toBe(3);
    await eventually('the dead-letter tile to show 3', async () =>
      (await page.getByTestId('tile-dlq').textContent()) === '3' ? true : undefined,
    );
    expect(await page.getByTestId('tile-lag').textContent()).toBe('0');
    expect(await page.locator('#banner').isHidden()).toBe(true);
    expect(problems).toEqual([]);

    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(join(ROOT, '.local', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(ROOT, '.local', 'screenshots', `dashboard-${Date.now()}.png`), fullPage: true });
  }, 300_000);
});
