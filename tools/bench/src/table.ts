// The table `pnpm bench` prints: absolute rates, ratios to Kafka's tools and to the naive peer.
export interface Row {
  stage: string;
  rate: number;
  /** Which tool this stage is compared with: Kafka's producer or consumer perf test, or RabbitMQ's ack-only consumer. */
  vsKafka?: 'producer' | 'consumer' | 'amqp';
  /** The ratio to the Kafka tool this work aims for. */
  target?: number;
  vsNaive?: boolean;
  p50Ms?: number;
  p99Ms?: number;
  p99TargetMs?: number;
  rssMiB?: number;
  rssTargetMiB?: number;
}

const columns = [
  ['stage', 52],
  ['events/s', 11],
  ['×kafka tool', 12],
  ['×naive', 8],
  ['p50 ms', 7],
  ['p99 ms', 9],
  ['peak RSS', 11],
] as const;

/** ✓ when a figure is within its ceiling, ✗ when not, nothing when it has none. */
const mark = (value: number | undefined, ceiling: number | undefined) =>
  value === undefined || ceiling === undefined ? '' : value <= ceiling ? ' ✓' : ' ✗';

export function renderTable(rows: Row[], baselines: { naive: number }): string {
  const kafka = {
    producer: rows.find((r) => r.stage.startsWith('kafka-producer'))?.rate ?? Number.NaN,
    consumer: rows.find((r) => r.stage.startsWith('kafka-consumer'))?.rate ?? Number.NaN,
    amqp: rows.find((r) => r.stage.startsWith('RabbitMQ ack-only'))?.rate ?? Number.NaN,
  };
  const fmt = (n: number | undefined, digits = 0) =>
    n === undefined || Number.isNaN(n)
      ? ''
      : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const cells = (row: Row): string[] => {
    const ratio = row.vsKafka ? row.rate / kafka[row.vsKafka] : undefined;
    const ratioText =
      ratio === undefined ? '' : `${ratio.toFixed(2)}${row.target === undefined ? '' : ratio >= row.target ? ' ✓' : ' ✗'}`;
    return [
      row.stage,
      fmt(row.rate),
      ratioText,
      row.vsNaive ? `${(row.rate / baselines.naive).toFixed(0)}×` : '',
      fmt(row.p50Ms),
      `${fmt(row.p99Ms)}${mark(row.p99Ms, row.p99TargetMs)}`,
      row.rssMiB === undefined ? '' : `${row.rssMiB.toFixed(0)} MiB${mark(row.rssMiB, row.rssTargetMiB)}`,
    ];
  };
  const line = (values: string[]) =>
    values.map((value, i) => (i === 0 ? value.padEnd(columns[i]?.[1] ?? 0) : value.padStart(columns[i]?.[1] ?? 0))).join(' ');
  return [line(columns.map(([name]) => name)), ...rows.map((row) => line(cells(row)))].join('\n');
}
