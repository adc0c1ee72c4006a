import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byId, checkKey, newKey, readKeyFile, writeKeyFile } from './key-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'api-keys-'));

describe('API key file', () => {
  it('stores only the hash, readable by the owner only, and checks a presented key against it', () => {
    const { secret, record } = newKey('checkout', 120);
    const other = newKey('billing');
    const path = join(dir, 'keys.json');
    writeKeyFile(path, [record, other.record]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const keys = byId(readKeyFile(path));
    expect(JSON.stringify([...keys.values()])).not.toContain(secret.slice(15));
    expect(checkKey(keys, secret)).toEqual({ ok: true, key: record });
    expect(checkKey(keys, other.secret)).toMatchObject({ ok: true, key: { name: 'billing' } });
  });

  it('tells missing, malformed, unknown and revoked keys apart', () => {
    const { secret, record } = newKey('checkout');
    const keys = byId([record]);
    expect(checkKey(keys, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(checkKey(keys, 'letmein')).toEqual({ ok: false, reason: 'malformed' });
    // Same id, another secret: the hash decides.
    const forged = `${secret.slice(0, 15)}${'A'.repeat(43)}`;
    expect(checkKey(keys, forged)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKey(keys, newKey('elsewhere').secret)).toEqual({ ok: false, reason: 'unknown' });
    const revoked = byId([{ ...record, revoked_at: new Date().toISOString() }]);
    expect(checkKey(revoked, secret)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('reads a missing file as no keys and says where a bad file is wrong', () => {
    expect(readKeyFile(join(dir, 'absent.json'))).toEqual([]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ keys: [{ id: 'zz', name: 'x' }] }));
    expect(() => readKeyFile(bad)).toThrow(`${bad}: keys.0.id:`);
  });
});
