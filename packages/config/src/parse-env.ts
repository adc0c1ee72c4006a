// An app's environment, parsed once at boot against its schema: one ConfigError naming every bad variable,
// secret values kept out of messages and logs.
import type { z } from 'zod';

/** Thrown at boot when the environment is wrong; its message names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Variables whose values never appear in messages or logs. */
const SECRET = /PASSWORD|SECRET|TOKEN|KEY/i;

/**
 * Parses `env` with an object schema whose keys are variable names. Empty strings count as
 * unset, so `FOO=` in a .env file falls back to the default instead of failing.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const raw = present[name];
    const shown =
      raw === undefined ? 'unset' : SECRET.test(name) ? 'got a value (hidden)' : `got ${JSON.stringify(hidePassword(raw))}`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/** A value with the password of any `scheme://user:password@` in it masked, even when the URL does not parse. */
function hidePassword(value: string): string {
  return value.replace(/(\/\/[^/@:\s]*:)[^@\s]*@/g, '$1***@');
}

/** A copy of a connection URL that is safe to log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
