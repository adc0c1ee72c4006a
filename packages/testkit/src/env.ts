// Where the tests' services are: the apps' own variables and defaults (@tally/config), so a test
// run against other services needs only the environment the apps would get.
import { pipelineNames } from '@tally/config';

const names = pipelineNames(process.env);
export const KAFKA_BROKERS = names.kafkaBrokers;
export const SCHEMA_REGISTRY_URL = names.schemaRegistryUrl;
/** The schema owner's connection to the shared server; tests make databases of their own beside it. */
export const DATABASE_URL = names.databaseUrl;

/** DATABASE_URL's server, another database (and optionally another role). */
export function urlFor(database: string, user?: string): string {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  return url.toString();
}
