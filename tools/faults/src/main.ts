// `pnpm test:faults`: end-to-end fault scenarios against the real producer, consumers, Kafka,
// registry and PostgreSQL, each checked against the ledger of what the producer accepted.
//   pnpm test:faults [--seed N] [--only name,name]
import { parseArgs } from 'node:util';
import { isPortFree } from '@tally/testkit';
import { cleanup, type Outcome, prepare, type Scenario, verdict } from './scenario.ts';
import { brokerKill } from './scenarios/broker-kill.ts';
import { consumerKills } from './scenarios/consumer-kills.ts';
import { poisonAndResends } from './scenarios/poison-and-resends.ts';
import { postgresCrash } from './scenarios/postgres-crash.ts';
import { postgresOutage } from './scenarios/postgres-outage.ts';
import { producerSigterm } from './scenarios/producer-sigterm.ts';
import { registryOutage } from './scenarios/registry-outage.ts';
import { topicRecreate } from './scenarios/topic-recreate.ts';
import { zombie } from './scenarios/zombie.ts';

interface Entry {
  name: string;
  run: (s: Scenario) => Promise<Outcome>;
  brokers?: (basePort: number) => string[];
}

const SCENARIOS: Entry[] = [
  { name: 'consumer-kill-9', run: consumerKills },
  { name: 'consumer-zombie', run: zombie },
  { name: 'poison-and-resends', run: poisonAndResends },
  { name: 'producer-sigterm', run: producerSigterm },
  { name: 'postgres-outage', run: postgresOutage },
  { name: 'postgres-crash', run: postgresCrash },
  { name: 'registry-outage', run: registryOutage },
  { name: 'topic-recreate', run: topicRecreate },
  {
    name: 'broker-kill',
    run: (s) => brokerKill(s, Number(s.brokers[0]?.split(':')[1])),
    brokers: (base) => [0, 1, 2].map((i) => `127.0.0.1:${base + i}`),
  },
];

/** Three consecutive free ports (and the three 100 above for the controllers). */
async function clusterBasePort(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = [0, 1, 2, 100, 101, 102].map((i) => base + i);
    const free = await Promise.all(ports.map((port) => isPortFree(port)));
    if (free.every(Boolean)) return base;
  }
}

function table(outcomes: Outcome[]): string {
  const header = [
    'scenario',
    'accepted',
    'resends',
    'key retries',
    'counted',
    'dead letters',
    'dlq records',
    'dlq dups',
    'poison',
  ].concat(['uncertain', 'landed', 'faults', 'mismatches', 'seconds']);
  const rows = outcomes.map((o) =>
    [
      o.scenario,
      o.accepted,
      o.resends,
      o.keyRetries,
      o.counted,
      o.deadLetters,
      o.deadLetterRecords,
      o.deadLetterDuplicates,
      o.poison,
    ]
      .concat([o.uncertain, o.landed, o.faults, o.mismatches, o.seconds.toFixed(0)])
      .map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { seed: { type: 'string' }, only: { type: 'string' } },
    args: process.argv.slice(2).filter((a) => a !== '--'),
  });
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  const only = values.only?.split(',');
  const selected = SCENARIOS.filter((entry) => !only || only.includes(entry.name));
  console.log(
    `fault suite, seed ${seed} (replay: pnpm test:faults --seed ${seed}), scenarios: ${selected.map((e) => e.name).join(', ')}`,
  );

  const outcomes: Outcome[] = [];
  let failed = false;
  for (const [i, entry] of selected.entries()) {
    const brokers = entry.brokers?.(await clusterBasePort());
    const scenario = await prepare(entry.name, seed + i, brokers);
    scenario.log(`start (seed ${scenario.seed})`);
    try {
      const outcome = await entry.run(scenario);
      outcomes.push(outcome);
      const problems = verdict(outcome);
      if (problems.length > 0) {
        failed = true;
        console.log(`✗ ${entry.name}: ${problems.join('; ')}`);
        for (const line of outcome.details) console.log(`    ${line}`);
      }
    } catch (error) {
      failed = true;
      console.log(`✗ ${entry.name}: ${error instanceof Error ? error.stack : error}`);
    } finally {
      await cleanup(scenario);
    }
  }
  console.log(`\n${table(outcomes)}\n`);
  const passed = outcomes.filter((o) => verdict(o).length === 0).length;
  console.log(`faults: ${passed} passed, ${selected.length - passed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
