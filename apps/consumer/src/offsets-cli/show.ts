// `pnpm consumer:offsets show`: one line per partition, PostgreSQL's position beside Kafka's log.
import type { OffsetsView, PartitionView } from './inspect.ts';

export function formatOffsets(view: OffsetsView): string[] {
  const head = [
    `consumer group ${view.group}, topic ${view.topic}, Kafka cluster ${view.clusterId}` +
      ` (group ${view.groupState.toLowerCase()}, ${view.members} member${view.members === 1 ? '' : 's'})`,
  ];
  if (!view.topicExists) head.push(`Kafka has no topic ${view.topic}: every stored offset belongs to a log that is gone`);
  const rows = view.partitions.map((p) => [
    String(p.partition),
    p.stored === undefined ? '-' : String(p.stored.nextOffset),
    p.log === undefined ? '-' : String(p.log.start),
    p.log === undefined ? '-' : String(p.log.end),
    lag(p),
    identity(p),
  ]);
  const header = ['partition', 'next_offset', 'log_start', 'log_end', 'lag', 'identity'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const stopped = view.partitions.filter((p) => p.verdict?.kind === 'stop').map((p) => p.partition);
  const tail =
    stopped.length === 0
      ? []
      : [
          `partitions ${stopped.join(', ')}: decide where each resumes, then pnpm consumer:offsets reset --to earliest|latest|<offset> --partition N`,
        ];
  return [...head, line(header), ...rows.map(line), ...tail];
}

function lag(p: PartitionView): string {
  // A next_offset of another log says nothing about this one.
  if (p.log === undefined || p.verdict?.kind === 'stop') return '-';
  const from = p.stored?.nextOffset ?? p.log.start;
  return from <= p.log.end ? String(p.log.end - from) : '-';
}

function identity(p: PartitionView): string {
  const { verdict, stored } = p;
  if (verdict === undefined) return 'no such partition in Kafka';
  switch (verdict.kind) {
    case 'unapplied':
      return 'not applied yet';
    case 'stop':
      return `${stored?.mismatch == null ? 'MISMATCH' : 'STOPPED by the consumer'} (${verdict.mismatch.code}): ${verdict.mismatch.detail}`;
    case 'resume':
      if (stored?.clusterId == null) return 'adopted: no identity stored yet (only the log end is checked)';
      return verdict.verify === null
        ? 'matches (cluster, log end)'
        : `matches (cluster, log end; record ${verdict.verify.offset} is checked by the consumer when read)`;
  }
}
