// Turns the timestamps callers send into UTC epoch milliseconds, or says why it cannot.
export type Parsed = { ok: true; ms: number } | { ok: false; message: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function fromParts(text: string, zoneRequired: boolean): Parsed {
  const match = ISO.exec(text.trim());
  if (!match) return { ok: false, message: 'must be an ISO-8601 date and time' };
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match;
  if (zone === undefined && zoneRequired) return { ok: false, message: 'must carry a time zone (Z or ±hh:mm)' };
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = parts;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  // Date.UTC rolls 2021-02-30 over into March: a round trip catches dates that do not exist.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: 'is not a real date and time' };
  }
  // TRICKY: Date.UTC reads years 0–99 as 1900–1999, so `0099-06-01` would pass the round trip as
  // 1999; setting the year afterwards keeps it as written (and the rules then refuse it).
  if (year < 100) check.setUTCFullYear(year);
  return { ok: true, ms: check.getTime() - zoneOffsetMs(zone) };
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

/** `occurred_at`: ISO-8601 with a zone (`2021-01-01T10:00:00Z`, `...+02:00`), or epoch milliseconds. */
export function parseOccurredAt(value: unknown): Parsed {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? { ok: true, ms: value } : { ok: false, message: 'must be whole epoch milliseconds' };
  }
  if (typeof value === 'string') return fromParts(value, true);
  return { ok: false, message: 'must be an ISO-8601 string with a zone, or epoch milliseconds' };
}

/**
 * `timestamp` (what the original reporting code sends): `YYYY-MM-DD HH:MM:SS[.fff]` with no zone, taken as UTC;
 * ISO-8601 (taken as UTC when it has no zone); or epoch seconds, fractions allowed (Python's `time.time()`).
 */
export function parseLegacyTimestamp(value: unknown): Parsed {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, message: 'must be a finite number of epoch seconds' };
    return { ok: true, ms: Math.round(value * 1000) };
  }
  if (typeof value === 'string') return fromParts(value, false);
  return { ok: false, message: 'must be "YYYY-MM-DD HH:MM:SS" (UTC), ISO-8601, or epoch seconds' };
}
