import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byId, checkKey, readKeyFile } from './key-file.ts';

const CLI = join(import.meta.dirname, 'cli.ts');
const file = join(mkdtempSync(join(tmpdir(), 'api-keys-cli-')), 'keys.json');
const cli = (...args: string[]) =>
  execFileSync(process.execPath, [CLI, ...args, '--file', file], { encoding: 'utf8', stdio: 'pipe' });

describe('pnpm api-keys', () => {
  it('creates a key it prints once and stores hashed, lists it, and revokes it', () => {
    const secret = cli('create', '--name', 'checkout', '--rate-limit', '600').trim();
    expect(secret).toMatch(/^tally_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, 'utf8')).not.toContain(secret.slice(15));
    const [key] = readKeyFile(file);
    expect(checkKey(byId(readKeyFile(file)), secret)).toMatchObject({
      ok: true,
      key: { name: 'checkout', rate_limit_per_minute: 600 },
    });

    expect(cli('list')).toMatch(new RegExp(`^${key?.id}\\s+checkout\\s+600/min .* active$`, 'm'));
    cli('revoke', key?.id ?? '');
    expect(checkKey(byId(readKeyFile(file)), secret)).toEqual({ ok: false, reason: 'revoked' });
    expect(cli('list')).toMatch(new RegExp(`^${key?.id}\\s+checkout .* revoked \\d{4}-`, 'm'));
  });

  it('says what is wrong, with exit code 2', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--file', file], { encoding: 'utf8' });
    expect(run('create')).toMatchObject({ status: 2, stderr: expect.stringContaining('--name is required') });
    expect(run('create', '--name', 'x', '--rate-limit', 'lots')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--rate-limit must be a whole number'),
    });
    expect(run('revoke', 'deadbeef')).toMatchObject({ status: 2, stderr: expect.stringContaining('no key with id "deadbeef"') });
  });
});
