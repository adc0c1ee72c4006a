// Apicurio Registry 3.x serving the Confluent-compatible API, storing schemas in PostgreSQL so they survive
// restarts. `@kafkajs/confluent-schema-registry` works against it unmodified:
// - ids are content ids (the same schema text has one id across subjects, as in Confluent's registry), and
//   GET /schemas/ids/{id} takes the same ids;
// - GET /config/{subject} answers 404 for a new subject, so the client's register() sets the subject's
//   compatibility (PUT /config/{subject}) before registering, and Apicurio enforces it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '@tally/config';
import type { InfraPaths } from './paths.ts';
import { identityArgs, type ServiceSpec } from './processes.ts';
import { waitUntil } from './wait.ts';

export const REGISTRY_PORT = Number(new URL(DEFAULTS.schemaRegistryUrl).port);

export function registryUrl(port = REGISTRY_PORT): string {
  return `http://127.0.0.1:${port}/apis/ccompat/v7`;
}

export interface RegistryOptions {
  name: string;
  port: number;
  /** postgres://user[:password]@host:port/database */
  databaseUrl: string;
}

export function registrySpec(paths: InfraPaths, appDir: string, options: RegistryOptions): ServiceSpec {
  return {
    name: options.name,
    command: 'java',
    args: [...identityArgs(paths, options.name), '-Xms128m', '-Xmx512m', '-Djava.awt.headless=true', '-jar', runnerJar(appDir)],
    cwd: appDir,
    env: registryEnv(options),
  };
}

/** The registry's settings, shared with docker-compose.yml (a test compares the two). */
export function registryEnv(options: Pick<RegistryOptions, 'port' | 'databaseUrl'>): Record<string, string> {
  const db = new URL(options.databaseUrl);
  return {
    QUARKUS_HTTP_HOST: '127.0.0.1',
    QUARKUS_HTTP_PORT: String(options.port),
    APICURIO_STORAGE_KIND: 'sql',
    APICURIO_STORAGE_SQL_KIND: 'postgresql',
    APICURIO_DATASOURCE_URL: `jdbc:postgresql://${db.host}${db.pathname}`,
    APICURIO_DATASOURCE_USERNAME: decodeURIComponent(db.username) || 'postgres',
    // With trust auth any password is accepted; the JDBC driver still wants one.
    APICURIO_DATASOURCE_PASSWORD: decodeURIComponent(db.password) || 'postgres',
    // NOTE: content ids, not global ids, are the ids clients see (Confluent's semantics).
    APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: 'false',
  };
}

/** 3.0.x ships an uber `*-runner.jar`; later 3.x ship Quarkus's fast-jar `quarkus-run.jar`. */
function runnerJar(appDir: string): string {
  if (existsSync(join(appDir, 'quarkus-run.jar'))) return join(appDir, 'quarkus-run.jar');
  const runner = readdirSync(appDir).find((name) => name.endsWith('-runner.jar'));
  if (!runner) throw new Error(`no runnable jar in ${appDir}`);
  return join(appDir, runner);
}

export async function waitForRegistry(url: string, stillAlive: () => boolean, timeoutMs = 180_000): Promise<void> {
  await waitUntil(
    `schema registry at ${url}`,
    async () => (await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5_000) })).ok,
    { timeoutMs, stillAlive },
  );
}
