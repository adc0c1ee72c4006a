// The edges of what clients send, beside plain events with lower-case ids: events without ids (the
// producer assigns them and answers them), requests with an Idempotency-Key that are sent again,
// ids in upper or mixed case resent in another case, and times sent as ISO-8601 with a zone offset
// instead of epoch milliseconds. NOTE: no resends under another user_id: whichever of the two
// copies is applied first is counted (under its user), which a ledger cannot foresee;
// apps/consumer/test/seen-events.integration.test.ts pins that such a resend counts once. Pure helpers the runner draws from, and
// the check of a 202's event_ids against what was sent.

/** Shares of each edge in a run: all 0 sends what `pnpm load` always sent. */
export interface EdgeMix {
  /** Requests whose new events carry no event_id and no Idempotency-Key: their ids come from the 202. */
  noIds: number;
  /** Requests with an Idempotency-Key header, their new events without event_id. */
  keys: number;
  /** Of the keyed requests: sent again with the same body and key after their 202; the answer must be the same ids. */
  keyRetries: number;
  /** Of the keyed requests: the first attempt cut by a client-side timeout (a few ms), then sent again. */
  keyTimeouts: number;
  /** Client event ids sent in upper or mixed case; when on, every resend of an id is in another case than its last send. */
  mixedCase: number;
  /** Events whose occurred_at is sent as ISO-8601 with a random zone offset (the same instant). */
  isoTimes: number;
}

export const NO_EDGES: EdgeMix = { noIds: 0, keys: 0, keyRetries: 0, keyTimeouts: 0, mixedCase: 0, isoTimes: 0 };

/** `ms` as ISO-8601 in a zone `offsetMinutes` east of UTC: `2026-12-02T23:30:00.123+05:30`, the same instant. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A zone offset as real zones have them: whole hours from -12 to +14, now and then a half or three quarters. */
export function zoneOffset(random: () => number): number {
  const hours = Math.floor(random() * 27) - 12;
  const minutes = [0, 0, 0, 30, 45][Math.floor(random() * 5)] ?? 0;
  return hours * 60 + (hours < 0 ? -minutes : minutes);
}

function mixed(id: string, random: () => number): string {
  return [...id].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** The id in upper case or in a random mix, never as given (unless it has no letters). */
export function recase(id: string, random: () => number): string {
  const lower = id.toLowerCase();
  const variant = random() < 0.5 ? id.toUpperCase() : mixed(id, random);
  return variant === lower ? id.toUpperCase() : variant;
}

/** The id in a case other than `last` (lower, upper or mixed), to resend an event as a client might. */
export function anotherCase(id: string, last: string, random: () => number): string {
  const variants = [id.toLowerCase(), id.toUpperCase(), mixed(id, random)].filter((v) => v !== last);
  return variants[Math.floor(random() * variants.length)] ?? id;
}

const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What is wrong with a 202's `event_ids`, given the ids sent (undefined where an event had none):
 * one id per event, in order; a sent id answered lower-cased (ids are lower-cased at parse); an
 * assigned id a lower-case UUID, none of them twice. Empty when the answer is right.
 */
export function answerProblems(sent: readonly (string | undefined)[], answered: unknown): string[] {
  if (!Array.isArray(answered)) return ['no event_ids array in the answer'];
  if (answered.length !== sent.length) return [`${answered.length} event_ids for ${sent.length} events`];
  const problems: string[] = [];
  for (const [i, id] of sent.entries()) {
    const got = answered[i];
    if (typeof got !== 'string' || !LOWER_UUID.test(got))
      problems.push(`event ${i}: ${JSON.stringify(got)} is not a lower-case UUID`);
    else if (id !== undefined && got !== id.toLowerCase()) problems.push(`event ${i}: sent ${id}, answered ${got}`);
  }
  const assigned = answered.filter((_, i) => sent[i] === undefined);
  if (new Set(assigned).size !== assigned.length) problems.push('an assigned id answered twice');
  return problems;
}

/** A retried Idempotency-Key request must be answered the same ids as its first 202. */
export function sameAnswer(first: readonly string[], again: unknown): boolean {
  return Array.isArray(again) && again.length === first.length && first.every((id, i) => again[i] === id);
}
