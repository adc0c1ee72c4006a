// Reads the KEY=value files the launcher writes (.properties, .env) for tests that use them.
import { readFileSync } from 'node:fs';

/** A `KEY=value` file (a .properties or .env file; `#` lines are comments). */
export function readKeyValueFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}
