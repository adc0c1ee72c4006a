// Generated from avro/report-event/*.avsc by `pnpm --filter @tally/schemas generate`. Do not edit.

/** One thing that happened, reported by a service: who did what, when, and optionally how much. */
export interface ReportEventV1 {
  /** Unique per event; a resend carrying the same id is counted once. */
  event_id: string;
  /** Who the event is about, 1-128 characters. An integer sent by a caller is normalised to its decimal string. */
  user_id: string;
  /** What happened, 1-64 characters: lower-case letters, digits and _ . : -, starting with a letter or digit. */
  action: string;
  /** When it happened: UTC milliseconds since the Unix epoch. */
  occurred_at: number;
  /** When the producer accepted it: UTC milliseconds since the Unix epoch, stamped by the producer. */
  received_at: number;
  /** Which service reported it, if known. */
  source: null | string;
  /** A measurement the event carries (a duration, an amount), if any. */
  value: null | number;
  /** Free-form string labels: at most 32, keys up to 64 characters, values up to 256. */
  attributes: Record<string, string>;
}

/** One thing that happened, reported by a service: who did what, when, and optionally how much. */
export interface ReportEventV2 {
  /** Unique per event; a resend carrying the same id is counted once. */
  event_id: string;
  /** Who the event is about, 1-128 characters. An integer sent by a caller is normalised to its decimal string. */
  user_id: string;
  /** What happened, 1-64 characters: lower-case letters, digits and _ . : -, starting with a letter or digit. */
  action: string;
  /** When it happened: UTC milliseconds since the Unix epoch. */
  occurred_at: number;
  /** When the producer accepted it: UTC milliseconds since the Unix epoch, stamped by the producer. */
  received_at: number;
  /** Which service reported it, if known. */
  source: null | string;
  /** A measurement the event carries (a duration, an amount), if any. */
  value: null | number;
  /** Free-form string labels: at most 32, keys up to 64 characters, values up to 256. */
  attributes: Record<string, string>;
  /** The client session the event belongs to (1-128 characters), if any: lets reports group a user's events by visit. */
  session_id: null | string;
}

/** The newest version: what the producer writes and the consumer reads. */
export type ReportEvent = ReportEventV2;
