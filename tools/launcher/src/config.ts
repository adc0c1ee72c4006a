// The launcher's settings: the project's public defaults, overridable from the environment.
import { DEFAULTS } from '@tally/config';
import { DEFAULT_BROKER_PORT, DEFAULT_CONTROLLER_PORT } from './kafka.ts';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions.ts';

export interface LauncherConfig {
  /** The app database; the launcher creates it and, beside it, the registry's. */
  databaseUrl: string;
  registryDatabase: string;
  kafkaVersion: string;
  apicurioVersion: string;
  /** The first broker's client port (and controller port); more brokers take the next ones. */
  kafkaPort: number;
  kafkaControllerPort: number;
  /** Where data, logs and pid files go; a private one gives a test its own broker. */
  stateDir: string | undefined;
}

export function launcherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? DEFAULTS.databaseUrl,
    registryDatabase: env.TALLY_REGISTRY_DATABASE ?? 'tally_registry',
    kafkaVersion: env.TALLY_KAFKA_VERSION ?? KAFKA_VERSION,
    apicurioVersion: env.TALLY_APICURIO_VERSION ?? APICURIO_VERSION,
    kafkaPort: port(env, 'TALLY_KAFKA_PORT', DEFAULT_BROKER_PORT),
    kafkaControllerPort: port(env, 'TALLY_KAFKA_CONTROLLER_PORT', DEFAULT_CONTROLLER_PORT),
    stateDir: env.TALLY_STATE_DIR || undefined,
  };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535)
    throw new Error(`${name}: must be a port number (got ${JSON.stringify(raw)})`);
  return value;
}
