// The Idempotency-Key request header: a client names a request, and the ids of its events that
// carry no event_id of their own derive from that name and each event's index in the request, so a
// retry (after a 503 or a timeout) sends the same ids and the consumer's dedupe counts them once.
import { createHash } from 'node:crypto';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/**
 * The namespace of derived event ids. TRICKY: never change it, nor the name format below: ids
 * derived before and after a change would differ, and a retry across the upgrade would count twice.
 */
const EVENT_ID_NAMESPACE = '916352fb-f512-4ff9-9345-8f2b5c0647a4';

// NOTE: no NUL, comma or space: NUL separates the parts of the derived name, and Node joins a
// header sent twice with ", ", which is then refused instead of read as one odd key.
const KEY_CHARACTERS = /^[A-Za-z0-9\-_.:~+/=]+$/;

export type IdempotencyKey = { ok: true; key: string | undefined } | { ok: false; message: string };

/**
 * The key a request names, if any. A quoted key (`"abc"`, the structured-field string of the IETF
 * idempotency-key draft) is the same key as `abc`.
 */
export function readIdempotencyKey(header: string | string[] | undefined): IdempotencyKey {
  if (header === undefined) return { ok: true, key: undefined };
  if (Array.isArray(header)) return { ok: false, message: 'must be given once' };
  const key = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header;
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    return { ok: false, message: `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters` };
  }
  if (!KEY_CHARACTERS.test(key)) return { ok: false, message: 'must be letters, digits and - _ . : ~ + / = only' };
  return { ok: true, key };
}

/**
 * The id of the event at `index` of a request sent with `key`: a UUID v5 in Tally's namespace over
 * `<api key id>\0<key>\0<index>` (the API key id empty when ingest is open), so two tenants that
 * pick the same key do not share ids.
 */
export function idempotentEventId(key: string, apiKeyId: string | null, index: number): string {
  return uuidV5(EVENT_ID_NAMESPACE, `${apiKeyId ?? ''}\0${key}\0${index}`);
}

/** A name-based UUID, version 5 (SHA-1), as RFC 9562 defines it: lower case. */
export function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
