// What other tools take from the launcher: where it keeps things, its settings, and how to run
// one of Kafka's own command-line tools from the jars it fetched.
export { artifactDir } from './artifacts.ts';
export { type LauncherConfig, launcherConfig } from './config.ts';
export { kafkaToolArgs } from './kafka-tools.ts';
export { type InfraPaths, infraPaths } from './paths.ts';
export { MAVEN_DEPENDENCY_PLUGIN } from './versions.ts';
