// Test helpers shared by the apps' integration tests and the tools. Apps never import this.
export { actualRows, appliedRecords, countedEvents, expectedRows } from './aggregates.ts';
export { type AppProcess, LAUNCHER_ARGS, ROOT, startApp, stopApp, waitReady } from './app-process.ts';
export { createDatabase, type MigratedDatabase, migratedDatabase, sql, type TestDatabase } from './database.ts';
export { DATABASE_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, urlFor } from './env.ts';
export { reportEvent } from './events.ts';
export { eventually } from './eventually.ts';
export {
  createTopic,
  deleteTopics,
  highWatermarks,
  produceEvents,
  produceRaw,
  recordsOn,
  testKafka,
  testRegistry,
  uniqueNames,
} from './kafka.ts';
export { readKeyValueFile } from './key-value-file.ts';
export { freePort, isPortFree } from './ports.ts';
export { type PrivatePostgres, startPrivatePostgres } from './private-postgres.ts';
export { createEventSource, type EventMix, type GeneratedEvent } from './report-events.ts';
export { type Finished, runToEnd } from './run-to-end.ts';
export { seededRandom } from './seeded-random.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
