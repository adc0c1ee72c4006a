// The API-key check of POST /v1/events: an onRequest hook, so a request without a valid key is
// answered 401 before its body is read, let alone produced. The keys come from api-keys/.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyRecord, checkKey } from '../api-keys/key-file.ts';
import type { KeyRing } from '../api-keys/key-ring.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request was made with (set by authenticate; null when ingest is open). */
    apiKey: ApiKeyRecord | null;
  }
}

const REASONS = {
  missing: 'missing API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
  malformed: 'API key is malformed: expected tally_<id>_<secret> as the CLI printed it',
  unknown: 'API key is not valid',
  revoked: 'API key has been revoked',
} as const;

/** The key a request presents: `Authorization: Bearer <key>`, or `X-API-Key: <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const header = request.headers['x-api-key'];
  return Array.isArray(header) ? header[0] : header;
}

/** The onRequest hook; `onRefused` is told why (for the metrics). */
export function authenticate(keyRing: KeyRing, onRefused: (reason: keyof typeof REASONS) => void) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const check = checkKey(keyRing.current(), presentedKey(request));
    if (check.ok) {
      request.apiKey = check.key;
      return;
    }
    onRefused(check.reason);
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="tally-ingest"')
      .send({ errors: [{ index: null, path: 'headers.authorization', message: REASONS[check.reason] }] });
  };
}
