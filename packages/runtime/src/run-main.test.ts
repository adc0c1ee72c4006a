// loadDotEnv: the app folder's .env fills in what the environment does not set.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from './run-main.ts';

describe('loadDotEnv', () => {
  const names = ['TALLY_TEST_FROM_FILE', 'TALLY_TEST_SET_BOTH'];
  afterEach(() => {
    for (const name of names) delete process.env[name];
  });

  it('adds the variables of the file, under those the environment already sets', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tally-env-')), '.env');
    writeFileSync(file, 'TALLY_TEST_FROM_FILE=file\nTALLY_TEST_SET_BOTH=file\n');
    process.env.TALLY_TEST_SET_BOTH = 'environment';
    loadDotEnv(file);
    expect(process.env.TALLY_TEST_FROM_FILE).toBe('file');
    expect(process.env.TALLY_TEST_SET_BOTH).toBe('environment');
  });

  it('does nothing when there is no file', () => {
    expect(() => loadDotEnv(join(tmpdir(), 'no-such-dir-for-tally', '.env'))).not.toThrow();
    expect(process.env.TALLY_TEST_FROM_FILE).toBeUndefined();
  });
});
