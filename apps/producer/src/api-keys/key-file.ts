// The ingest API keys: one JSON file (INGEST_API_KEYS_FILE) that holds only SHA-256 hashes, so a
// copy of it lets nobody in. A key is `tally_<id>_<secret>`: the id finds the record, the hash of
// the whole key proves it (compared in constant time). The secrets are 32 random bytes, so a fast
// hash is enough (nothing to brute-force, unlike a password). Written by the CLI, read by the
// producer, which reloads it when it changes (revocation takes effect in about a second).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const KEY_PATTERN = /^tally_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

const keyRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
  /** Requests a minute this key may make; absent: the producer's INGEST_RATE_LIMIT_PER_MINUTE. */
  rate_limit_per_minute: z.number().int().positive().optional(),
});
const keyFile = z.object({ keys: z.array(keyRecord) });

export type ApiKeyRecord = z.infer<typeof keyRecord>;

export type KeyCheck = { ok: true; key: ApiKeyRecord } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function readKeyFile(path: string): ApiKeyRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path}: not a readable JSON key file (${(error as Error).message})`);
  }
  const parsed = keyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || '(file)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.keys;
}

/** Atomic (write, then rename) and readable by the owner only. */
export function writeKeyFile(path: string, keys: ApiKeyRecord[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** A new key: the secret to hand out once, and the record to store. */
export function newKey(name: string, rateLimitPerMinute?: number): { secret: string; record: ApiKeyRecord } {
  const id = randomBytes(4).toString('hex');
  const secret = `tally_${id}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id,
    name,
    sha256: sha256(secret),
    created_at: new Date().toISOString(),
    revoked_at: null,
    ...(rateLimitPerMinute === undefined ? {} : { rate_limit_per_minute: rateLimitPerMinute }),
  };
  return { secret, record };
}

export function checkKey(keys: ReadonlyMap<string, ApiKeyRecord>, presented: string | undefined): KeyCheck {
  if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
  const match = KEY_PATTERN.exec(presented);
  if (!match) return { ok: false, reason: 'malformed' };
  const record = keys.get(match[1] as string);
  if (!record || !timingSafeEqual(Buffer.from(sha256(presented), 'hex'), Buffer.from(record.sha256, 'hex'))) {
    return { ok: false, reason: 'unknown' };
  }
  return record.revoked_at === null ? { ok: true, key: record } : { ok: false, reason: 'revoked' };
}

export function byId(keys: ApiKeyRecord[]): Map<string, ApiKeyRecord> {
  return new Map(keys.map((key) => [key.id, key]));
}
