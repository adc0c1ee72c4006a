// The launcher's settings: the project's public defaults, overridable from the environment.
import { DEFAULTS, pipelineNames } from '@tally/config';
import { DEFAULT_BROKER_PORT, DEFAULT_CONTROLLER_PORT } from './kafka.ts';
import { registryUrl } from './registry.ts';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions.ts';

export interface LauncherConfig {
  /** The app database; the launcher creates it and, beside it, the registry's. */
  databaseUrl: string;
  registryDatabase: string;
  kafkaVersion: string;
  /** TALLY_KAFKA_VERSION was set: the launcher's own Kafka of that version is wanted, never one it finds. */
  kafkaVersionAsked: boolean;
  apicurioVersion: string;
  /** The first broker's client port (and controller port); more brokers take the next ones. */
  kafkaPort: number;
  kafkaControllerPort: number;
  /** Where data, logs and pid files go; a private one gives a test its own broker. */
  stateDir: string | undefined;
  /**
   * Where the apps will look for Kafka: KAFKA_BROKERS, unless TALLY_KAFKA_PORT asks for the
   * launcher's own broker on a port of its choosing. A Kafka found answering there is used as is.
   */
  kafkaBrokers: string[];
  /** KAFKA_BROKERS was set to an address the launcher does not serve: it can only be adopted. */
  kafkaElsewhere: boolean;
  /** Where the apps will look for the registry (SCHEMA_REGISTRY_URL); likewise used as is when it answers. */
  schemaRegistryUrl: string;
  registryElsewhere: boolean;
  /** The RabbitMQ the AMQP bridge consumes (AMQP_URL): checked, never started. */
  amqpUrl: string;
}

export function launcherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const kafkaPort = port(env, 'TALLY_KAFKA_PORT', DEFAULT_BROKER_PORT);
  const own = `127.0.0.1:${kafkaPort}`;
  const names = pipelineNames(env);
  const brokers = env.TALLY_KAFKA_PORT || !env.KAFKA_BROKERS ? [own] : names.kafkaBrokers;
  const ownRegistry = registryUrl();
  return {
    databaseUrl: env.DATABASE_URL ?? DEFAULTS.databaseUrl,
    registryDatabase: env.TALLY_REGISTRY_DATABASE ?? 'tally_registry',
    kafkaVersion: env.TALLY_KAFKA_VERSION || KAFKA_VERSION,
    kafkaVersionAsked: Boolean(env.TALLY_KAFKA_VERSION),
    apicurioVersion: env.TALLY_APICURIO_VERSION ?? APICURIO_VERSION,
    kafkaPort,
    kafkaControllerPort: port(env, 'TALLY_KAFKA_CONTROLLER_PORT', DEFAULT_CONTROLLER_PORT),
    stateDir: env.TALLY_STATE_DIR || undefined,
    kafkaBrokers: brokers,
    kafkaElsewhere: brokers.join(',') !== own,
    schemaRegistryUrl: names.schemaRegistryUrl,
    registryElsewhere: names.schemaRegistryUrl.replace(/\/$/, '') !== ownRegistry.replace(/\/$/, ''),
    amqpUrl: env.AMQP_URL || DEFAULTS.amqpUrl,
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
