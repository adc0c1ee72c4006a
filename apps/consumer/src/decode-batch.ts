// Sorts a batch's records into events to count and poison records for the dead-letter topic:
// not wire format, unknown schema id, a JSON or Protobuf schema, a writer schema that cannot be
// read, a body that does not match, or an event the rules reject. A registry that is unreachable,
// or that does not hold the report topic's subject (a wrong URL, an empty registry), is thrown: an
// outage, retried, and nothing is dead-lettered on its word.
import { checkReportEvent, normalizeReportEvent, type ReportEvent } from '@tally/schemas';
import type { ReportCodec } from '@tally/schemas/codec';
import type { KafkaMessage } from 'kafkajs';

export interface GoodRecord {
  offset: bigint;
  event: ReportEvent;
}

export interface PoisonRecord {
  offset: bigint;
  message: KafkaMessage;
  code: string;
  reason: string;
}

export interface DecodedBatch {
  good: GoodRecord[];
  poison: PoisonRecord[];
}

export async function decodeBatch(codec: ReportCodec, messages: KafkaMessage[]): Promise<DecodedBatch> {
  const good: GoodRecord[] = [];
  const poison: PoisonRecord[] = [];
  for (const message of messages) {
    const offset = BigInt(message.offset);
    const decoded = await codec.decode(message.value);
    if (!decoded.ok) {
      poison.push({ offset, message, code: decoded.error.code, reason: decoded.error.message });
      continue;
    }
    const problems = checkReportEvent(decoded.event);
    if (problems.length > 0) {
      poison.push({ offset, message, code: 'INVALID_EVENT', reason: problems.map((p) => `${p.path}: ${p.message}`).join('; ') });
      continue;
    }
    // Ids compare as PostgreSQL's uuid prints them: an id resent in upper case is the same id.
    good.push({ offset, event: normalizeReportEvent(decoded.event) });
  }
  return { good, poison };
}
