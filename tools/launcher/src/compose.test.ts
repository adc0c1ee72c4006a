import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '@tally/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { serverProperties } from './kafka.ts';
import { REGISTRY_PORT, registryEnv } from './registry.ts';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions.ts';

// docker compose cannot run on our machines, so this keeps the compose file honest by holding it
// to what the launcher really runs.
interface Service {
  image: string;
  ports: string[];
  environment: Record<string, string | number>;
  healthcheck?: { test: string[]; interval?: string };
  restart?: string;
  extra_hosts?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
}
const compose = parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'infra', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no ${name} service`);
  return found;
};
const defaultTag = (image: string) => /:\$\{[A-Z_]+:-([^}]+)\}$/.exec(image)?.[1];

/** The apache/kafka image's rule: KAFKA_ + the property with "_" → "__" and "." → "_". */
const imageEnvName = (property: string) => `KAFKA_${property.replaceAll('_', '__').replaceAll('.', '_').toUpperCase()}`;

describe('infra/docker-compose.yml', () => {
  it('defaults to the versions the launcher runs', () => {
    expect(defaultTag(service('kafka').image)).toBe(KAFKA_VERSION);
    expect(defaultTag(service('registry').image)).toBe(APICURIO_VERSION);
  });

  it("gives Kafka the launcher's broker settings", () => {
    const perNode = new Set(['listeners', 'advertised.listeners', 'controller.quorum.voters', 'log.dirs']);
    const expected = Object.entries(
      serverProperties({ version: KAFKA_VERSION, brokers: 1, brokerPort: 9092, controllerPort: 9192 }, 1, '/unused'),
    ).filter(([key]) => !perNode.has(key));
    const environment = service('kafka').environment;
    for (const [key, value] of expected)
      expect([imageEnvName(key), String(environment[imageEnvName(key)])]).toEqual([imageEnvName(key), value]);
    expect(environment.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://127.0.0.1:9092');
  });

  it("gives the registry the launcher's storage and id settings", () => {
    const launcher = registryEnv({ port: REGISTRY_PORT, databaseUrl: 'postgres://postgres@127.0.0.1:5432/tally_registry' });
    const environment = service('registry').environment;
    for (const key of [
      'APICURIO_STORAGE_KIND',
      'APICURIO_STORAGE_SQL_KIND',
      'APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED',
      'QUARKUS_HTTP_PORT',
    ]) {
      expect([key, String(environment[key])]).toEqual([key, launcher[key]]);
    }
  });

  it('publishes only on 127.0.0.1, on the same ports as the launcher', () => {
    const published = Object.values(compose.services).flatMap((s) => s.ports);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
    expect(service('kafka').ports).toContain('127.0.0.1:9092:9092');
    expect(service('registry').ports).toContain(`127.0.0.1:${REGISTRY_PORT}:${REGISTRY_PORT}`);
    // The port AMQP_URL's default names, where the launcher checks for RabbitMQ.
    expect(service('rabbitmq').ports).toContain(`127.0.0.1:${new URL(DEFAULTS.amqpUrl).port}:5672`);
  });

  it('has a healthcheck and a restart policy for every service', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect([name, s.healthcheck?.test.length ?? 0]).not.toEqual([name, 0]);
      expect([name, s.restart]).toEqual([name, 'unless-stopped']);
    }
  });

  it("gives Kafka a 16-byte cluster id, as Kafka's Uuid is", () => {
    const id = /^\$\{KAFKA_CLUSTER_ID:-([^}]+)\}$/.exec(String(service('kafka').environment.CLUSTER_ID))?.[1] ?? '';
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it('checks health with commands the images ship, light enough to run every few seconds', () => {
    const command = (name: string) => service(name).healthcheck?.test.join(' ') ?? '';
    // apache/kafka: the distribution under /opt/kafka; the tool's JVM must not take the broker's heap.
    expect(command('kafka')).toContain('/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092');
    expect(command('kafka')).toMatch(/KAFKA_HEAP_OPTS=-Xmx64m /);
    // postgres: pg_isready over TCP, or the init server's socket answers before 5432 is open.
    expect(command('postgres')).toContain('pg_isready -h 127.0.0.1');
    // apicurio-registry: no curl in the image, bash's /dev/tcp instead.
    expect(command('registry')).toContain('/dev/tcp/127.0.0.1/8081');
    // rabbitmq: the image's rabbitmq-diagnostics.
    expect(command('rabbitmq')).toContain('rabbitmq-diagnostics -q ping');
  });

  it("lets the registry use the stack's PostgreSQL or one of the user's", () => {
    const registry = service('registry');
    expect(registry.environment.APICURIO_DATASOURCE_URL).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own interpolation, not JavaScript's
      '${REGISTRY_DATABASE_URL:-jdbc:postgresql://postgres:5432/tally_registry}',
    );
    expect(registry.extra_hosts).toContain('host.docker.internal:host-gateway');
    expect(registry.depends_on?.postgres).toEqual({ condition: 'service_healthy', required: false });
  });

  it('runs the secure broker script on the same ports and writes the client settings where the launcher does', () => {
    const secure = parse(
      readFileSync(join(import.meta.dirname, '..', '..', '..', 'infra', 'docker-compose.secure.yml'), 'utf8'),
    ) as {
      services: { kafka: { entrypoint: string[]; volumes: string[]; environment: Record<string, string | number> } };
    };
    const kafka = secure.services.kafka;
    const [, script] = kafka.entrypoint;
    const mount = kafka.volumes.find((v) => v.endsWith(`:${script}:ro`));
    expect(mount).toBe('./compose/kafka-secure.sh:/opt/tally/kafka-secure.sh:ro');
    expect(readFileSync(join(import.meta.dirname, '..', '..', '..', 'infra', 'compose', 'kafka-secure.sh'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env bash/,
    );
    expect([kafka.environment.BROKER_PORT, kafka.environment.CONTROLLER_PORT]).toEqual([9092, 9192]);
    // The same folder the launcher's --secure writes (.local/secure), seen from the host and the container.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own interpolation, not JavaScript's
    expect(kafka.environment.HOST_SECURE_DIR).toBe('${TALLY_SECURE_DIR:-${PWD}/.local/secure}');
    expect(kafka.volumes).toContain(`../.local:${kafka.environment.LOCAL_DIR}`);
    expect(kafka.environment.SECURE_DIR).toBe(`${kafka.environment.LOCAL_DIR}/secure`);
  });
});
