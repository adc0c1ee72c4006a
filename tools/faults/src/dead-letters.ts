// The oracle's dead-letter half: the dead-letter topic's records and the `dead_letters` rows against the poison a
// scenario injected, by reason code. The one excess allowed is the crash-window duplicate: a record sent to the
// topic, then the consumer killed (or fenced) before its PostgreSQL commit, so the record is sent again when the
// batch is applied; the topic then holds it twice while `dead_letters` holds one row. Each such duplicate is
// counted and printed; anything else fails.
import { readWholeTopic } from './read-topic.ts';

/** Where a dead letter came from, and why: one record of the dead-letter topic or one dead_letters row. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: number;
  reasonCode: string;
}

export interface DeadLetterCheck {
  /** Records on the dead-letter topic. */
  records: number;
  /** Copies beyond the first of a source record, each with a dead_letters row: the crash-window duplicates. */
  duplicates: { source: string; copies: number }[];
  /** Everything else that is wrong; empty when the dead letters are exactly the poison. */
  problems: string[];
}

const sourceOf = (d: DeadLetter) => `${d.topic}/${d.partition}@${d.offset}`;

function byReason(letters: readonly DeadLetter[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of letters) counts.set(d.reasonCode, (counts.get(d.reasonCode) ?? 0) + 1);
  return counts;
}

const said = (counts: ReadonlyMap<string, number>) =>
  [...counts].length === 0
    ? 'none'
    : [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');

/** `injected`: the poison records a scenario produced, by the reason code each must be dead-lettered with. */
export function checkDeadLetters(
  injected: Readonly<Record<string, number>>,
  rows: readonly DeadLetter[],
  records: readonly DeadLetter[],
): DeadLetterCheck {
  const problems: string[] = [];
  const want = new Map(Object.entries(injected).filter(([, n]) => n > 0));
  const rowCounts = byReason(rows);
  const codes = new Set([...want.keys(), ...rowCounts.keys()]);
  if ([...codes].some((code) => (want.get(code) ?? 0) !== (rowCounts.get(code) ?? 0))) {
    problems.push(`dead_letters rows by reason: ${said(rowCounts)}; poison injected: ${said(want)}`);
  }

  const rowSources = new Map(rows.map((row) => [sourceOf(row), row]));
  const copies = new Map<string, DeadLetter[]>();
  for (const record of records) copies.set(sourceOf(record), [...(copies.get(sourceOf(record)) ?? []), record]);
  const duplicates: DeadLetterCheck['duplicates'] = [];
  const unexplained: string[] = [];
  for (const [source, sent] of copies) {
    const row = rowSources.get(source);
    if (!row) unexplained.push(`${source} (${sent.length}×, no dead_letters row)`);
    else if (sent.some((record) => record.reasonCode !== row.reasonCode))
      unexplained.push(
        `${source} (reason ${sent.map((r) => r.reasonCode).join('/')} on the topic, ${row.reasonCode} in dead_letters)`,
      );
    else if (sent.length > 1) duplicates.push({ source, copies: sent.length - 1 });
  }
  if (unexplained.length > 0) {
    problems.push(
      `${unexplained.length} dead-letter records not explained by dead_letters rows: ${unexplained.slice(0, 5).join(', ')}`,
    );
  }
  const missing = [...rowSources.keys()].filter((source) => !copies.has(source));
  if (missing.length > 0) {
    problems.push(
      `${missing.length} dead_letters rows with no record on the dead-letter topic: ${missing.slice(0, 5).join(', ')}`,
    );
  }
  return { records: records.length, duplicates: duplicates.sort((a, b) => a.source.localeCompare(b.source)), problems };
}

const header = (headers: Record<string, unknown> | undefined, name: string) => {
  const value = headers?.[name];
  return Buffer.isBuffer(value) ? value.toString() : typeof value === 'string' ? value : '';
};

/**
 * Every record on the dead-letter topic, read from the start to the end it has now (none when the topic was never
 * created). NOTE: header names as apps/consumer/src/dead-letter.ts writes them (tally-dlq-*).
 */
export async function readDeadLetterTopic(brokers: string[], topic: string): Promise<DeadLetter[]> {
  return (await readWholeTopic(brokers, topic)).map((message) => ({
    topic: header(message.headers, 'tally-dlq-source-topic'),
    partition: Number(header(message.headers, 'tally-dlq-source-partition')),
    offset: Number(header(message.headers, 'tally-dlq-source-offset')),
    reasonCode: header(message.headers, 'tally-dlq-reason-code'),
  }));
}
