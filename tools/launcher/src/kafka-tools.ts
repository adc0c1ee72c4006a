// Running Kafka's own command-line tools from the fetched jars (the bench's perf tests, the launcher's admin commands).
import { join } from 'node:path';
import { artifactDir } from './artifacts.ts';
import type { InfraPaths } from './paths.ts';

/**
 * The JVM arguments to run one of Kafka's own command-line tools (perf tests, console producer)
 * from the jars the launcher fetched, logging warnings only to stderr so stdout stays the tool's.
 */
export function kafkaToolArgs(paths: InfraPaths, version: string): string[] {
  const logging = version.startsWith('3.')
    ? `-Dlog4j.configuration=file:${join(paths.kafkaConfig, 'log4j-tools.properties')}`
    : `-Dlog4j2.configurationFile=${join(paths.kafkaConfig, 'log4j2-tools.properties')}`;
  return [logging, '-cp', `${join(artifactDir(paths, { kind: 'kafka', version }), 'libs')}/*`];
}
