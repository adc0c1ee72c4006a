// Keeps the house rule on file summaries: every source file under apps/, packages/ and tools/ (not tests, not
// generated code, not declarations) opens with a short `//` comment saying what it is for, before its imports.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

const sources = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((path) => /^(apps|packages|tools)\//.test(path))
  .filter((path) => !/\.(test|generated|d)\.ts$/.test(path))
  // A file deleted in the work tree but not yet in a commit is no longer a source file.
  .filter((path) => existsSync(join(root, path)));

describe('file headers', () => {
  it('finds the source files', () => {
    expect(sources.length).toBeGreaterThan(50);
  });

  it.each(sources)('%s opens with a // summary', (path) => {
    const first = readFileSync(join(root, path), 'utf8')
      .split('\n')
      .find((line) => line.trim() !== '');
    expect(first?.startsWith('//'), `first line: ${first}`).toBe(true);
  });
});
