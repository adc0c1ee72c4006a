// `pnpm --filter @tally/schemas bench`: Avro wire-format encode/decode rates beside JSON of the
// same events, as ratios measured in the same run. Needs the registry (for the schema id) once.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createReportCodec } from '../src/codec.ts';
import type { ReportEvent } from '../src/report-event.generated.ts';
import { scriptEnv } from './env.ts';

const { SCHEMA_REGISTRY_URL } = scriptEnv();
const EVENTS = 10_000;
const ROUNDS = 5;
const topic = `bench-schemas-${randomUUID()}`;

const events: ReportEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
  event_id: randomUUID(),
  user_id: String(i % 977),
  action: ['login', 'logout', 'job.finished', 'page:view'][i % 4] ?? 'login',
  occurred_at: 1_795_500_000_000 + i,
  received_at: 1_795_500_000_000 + i + 5,
  source: i % 3 === 0 ? null : 'web',
  value: i % 2 === 0 ? null : i * 0.5,
  attributes: i % 5 === 0 ? { region: 'eu-west', plan: 'pro' } : {},
  session_id: i % 4 === 0 ? null : `s-${i % 1000}`,
}));

/** Events per second: the median of ROUNDS passes over all events, after one warm-up pass. */
async function rate(work: () => Promise<void> | void): Promise<number> {
  await work();
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    await work();
    rates.push(EVENTS / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? 0;
}

const codec = createReportCodec({ registry: new SchemaRegistry({ host: SCHEMA_REGISTRY_URL }), topic });
const avroBytes: Buffer[] = [];
for (const event of events) avroBytes.push(await codec.encode(event));
const jsonBytes = events.map((event) => Buffer.from(JSON.stringify(event)));

const encode = await codec.encoder();
const encodeAvro = await rate(() => {
  for (const event of events) encode(event);
});
const encodeJson = await rate(() => {
  for (const event of events) Buffer.from(JSON.stringify(event));
});
const decodeAvro = await rate(async () => {
  for (const bytes of avroBytes) await codec.decode(bytes);
});
const decodeJson = await rate(() => {
  for (const bytes of jsonBytes) JSON.parse(bytes.toString('utf8'));
});
await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${codec.subject}`, { method: 'DELETE' });

const size = (buffers: Buffer[]) => buffers.reduce((sum, b) => sum + b.length, 0) / buffers.length;
const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(12);
console.log(`${EVENTS.toLocaleString('en')} report events, median of ${ROUNDS} passes, Node ${process.version}\n`);
console.log(`${''.padEnd(8)} ${'Avro/s'.padStart(12)} ${'JSON/s'.padStart(12)} ${'Avro/JSON'.padStart(10)}`);
console.log(`${'encode'.padEnd(8)} ${fmt(encodeAvro)} ${fmt(encodeJson)} ${(encodeAvro / encodeJson).toFixed(2).padStart(10)}`);
console.log(`${'decode'.padEnd(8)} ${fmt(decodeAvro)} ${fmt(decodeJson)} ${(decodeAvro / decodeJson).toFixed(2).padStart(10)}`);
console.log(
  `${'bytes'.padEnd(8)} ${size(avroBytes).toFixed(0).padStart(12)} ${size(jsonBytes).toFixed(0).padStart(12)} ${(size(avroBytes) / size(jsonBytes)).toFixed(2).padStart(10)}`,
);
