// The pinned versions of everything the launcher fetches. docker-compose.yml uses the same ones
// (a test keeps the two in step).

// NOTE: every test passes on both 4.1 and 3.9 with kafkajs 2.2.4; CI runs them on both (README,
// "Kafka versions"). 3.9.2 remains available with TALLY_KAFKA_VERSION=3.9.2.
export const KAFKA_VERSION = '4.1.2';

// NOTE: 3.0.9 is the newest Apicurio Registry 3.x on Maven Central that runs on Java 17;
// 3.3.x is compiled for Java 21 (class file version 65).
export const APICURIO_VERSION = '3.0.9';

/** Maven plugin used to resolve artifacts, pinned so Maven's own default does not drift. */
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/**
 * TRICKY: Apicurio 3.0.9's pom names a parent pom that is not on Maven Central. Every 3.x release of
 * the dependency plugin refuses an artifact whose descriptor cannot be read; 2.8 copies it anyway.
 * The tarball is self-contained, and its SHA-256 is checked against infra/checksums/ after.
 */
export const MAVEN_DEPENDENCY_PLUGIN_LENIENT = 'org.apache.maven.plugins:maven-dependency-plugin:2.8';
