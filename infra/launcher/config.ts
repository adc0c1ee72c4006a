import { APICURIO_VERSION, KAFKA_VERSION } from './versions.ts';

/** The launcher's settings: the project's public defaults, overridable from the environment. */
export interface LauncherConfig {
  /** The app database; the launcher creates it and, beside it, the registry's. */
  databaseUrl: string;
  registryDatabase: string;
  kafkaVersion: string;
  apicurioVersion: string;
}

export function launcherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tally',
    registryDatabase: env.TALLY_REGISTRY_DATABASE ?? 'tally_registry',
    kafkaVersion: env.TALLY_KAFKA_VERSION ?? KAFKA_VERSION,
    apicurioVersion: env.TALLY_APICURIO_VERSION ?? APICURIO_VERSION,
  };
}
