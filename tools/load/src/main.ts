// `pnpm load`: realistic report events over HTTP at a chosen rate; writes a ledger of exactly what
// was accepted (see README, "Load").
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '@tally/config';
import { createEventSource, seededRandom } from '@tally/testkit';
import { createLedger } from './ledger.ts';
import { type LoadSummary, runLoad } from './runner.ts';

const DEFAULT_URL = `http://${DEFAULTS.host}:${DEFAULTS.ports.producer}/v1/events`;

const usage = `usage: pnpm load [options]
  --url URL            ingest endpoint (default ${DEFAULT_URL})
  --rate N             events per second (default 5000)
  --duration S         seconds (default 10)
  --users N            distinct users (default 1000)
  --skew X             Zipf exponent of user activity: 0 uniform, 1.2 a few hot users (default 0)
  --actions A,B        actions (default login,logout,page.view,job.finished,purchase)
  --batch N            events per request (default 100)
  --concurrency N      requests in flight at most (default 8)
  --resend F           fraction of events resent with an already accepted event_id (default 0)
  --no-ids F           fraction of requests whose new events carry no event_id and no Idempotency-Key;
                       the ledger takes their ids from the 202 answer (default 0)
  --keys F             fraction of requests sent with an Idempotency-Key, new events without ids (default 0)
  --key-retries F      fraction of keyed requests sent again (same body and key) after their 202; the
                       answer must carry the same event_ids (default 0.5)
  --key-timeouts F     fraction of keyed requests whose first attempt is cut by a client-side timeout
                       of 2-21 ms, then sent again with the same key (default 0.25)
  --mixed-case F       fraction of client event ids sent in upper or mixed case; with it, every resend
                       is in another case than the id's last send (default 0)
  --iso-times F        fraction of events whose occurred_at is sent as ISO-8601 with a zone offset
                       (+05:30, -08:00, ...) instead of epoch milliseconds: the same instant (default 0)
  --seed N             for the same users, actions and values again (default 1)
  --drain S            how long refused requests (503, connection errors) are still retried
                       after the run, with the same events, as a real client would (default 30)
  --ledger FILE        where to write the ledger (default .local/load/ledger-<time>.json)`;

function number(value: string | undefined, fallback: number, name: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max)
    throw new Error(`--${name}: must be a number from ${min} to ${max} (got ${value})`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      users: { type: 'string' },
      skew: { type: 'string' },
      actions: { type: 'string' },
      batch: { type: 'string' },
      concurrency: { type: 'string' },
      resend: { type: 'string' },
      'no-ids': { type: 'string' },
      keys: { type: 'string' },
      'key-retries': { type: 'string' },
      'key-timeouts': { type: 'string' },
      'mixed-case': { type: 'string' },
      'iso-times': { type: 'string' },
      seed: { type: 'string' },
      drain: { type: 'string' },
      ledger: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const seed = number(values.seed, 1, 'seed', 0);
  const options = {
    url: values.url ?? DEFAULT_URL,
    rate: number(values.rate, 5_000, 'rate', 1),
    durationSeconds: number(values.duration, 10, 'duration', 1),
    batch: number(values.batch, 100, 'batch', 1, 1_000),
    concurrency: number(values.concurrency, 8, 'concurrency', 1, 1_000),
    resendFraction: number(values.resend, 0, 'resend', 0, 1),
    drainSeconds: number(values.drain, 30, 'drain', 0, 3_600),
    edges: {
      noIds: number(values['no-ids'], 0, 'no-ids', 0, 1),
      keys: number(values.keys, 0, 'keys', 0, 1),
      keyRetries: number(values['key-retries'], 0.5, 'key-retries', 0, 1),
      keyTimeouts: number(values['key-timeouts'], 0.25, 'key-timeouts', 0, 1),
      mixedCase: number(values['mixed-case'], 0, 'mixed-case', 0, 1),
      isoTimes: number(values['iso-times'], 0, 'iso-times', 0, 1),
    },
  };
  if (options.edges.noIds + options.edges.keys > 1) throw new Error('--no-ids and --keys: their sum must be at most 1');
  const mix = {
    users: number(values.users, 1_000, 'users', 1),
    skew: number(values.skew, 0, 'skew', 0, 5),
    actions: (values.actions ?? 'login,logout,page.view,job.finished,purchase').split(',').filter(Boolean),
    seed,
  };
  const ledger = createLedger();
  const line = (s: LoadSummary) =>
    `[load] ${s.seconds.toFixed(0)} s  accepted ${s.accepted.toLocaleString('en')} (${Math.round(s.acceptedPerSecond).toLocaleString('en')}/s)` +
    `  resends ${s.resends}  503s ${s.unavailable}  errors ${s.errors}  rejected ${s.rejected}  abandoned ${s.abandoned}` +
    (s.uncertain > 0 ? ` (${s.uncertain} may be counted)` : '') +
    (s.noIdEvents + s.keyedRequests + s.mixedCaseIds + s.isoTimes > 0
      ? `  no-id ${s.noIdEvents}  keyed ${s.keyedRequests} (retried ${s.keyRetries}, timed out ${s.keyTimeouts})  mixed-case ${s.mixedCaseIds}  iso-times ${s.isoTimes}  id violations ${s.idViolations}`
      : '') +
    `  p99 ${s.latencyMs.p99.toFixed(1)} ms`;
  console.error(
    `[load] ${options.rate.toLocaleString('en')} events/s for ${options.durationSeconds} s to ${options.url}, ${mix.users} users (skew ${mix.skew}), seed ${seed}`,
  );
  const summary = await runLoad(options, createEventSource(mix), ledger, (s) => console.error(line(s)), seededRandom(seed + 1));

  const file = resolve(
    values.ledger ??
      join(
        process.env.INIT_CWD ?? process.cwd(),
        '.local',
        'load',
        `ledger-${new Date().toISOString().replaceAll(':', '-')}.json`,
      ),
  );
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), options, mix, summary, ...ledger.toJSON() })}\n`,
  );
  console.error(line(summary));
  console.log(JSON.stringify({ ...summary, ledger: file }));
  for (const v of summary.violations) console.error(`[load] id violation: ${v}`);
  if (summary.rejected > 0 || summary.abandoned > 0 || summary.idViolations > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
