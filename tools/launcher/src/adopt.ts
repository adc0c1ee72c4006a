// Services Tally did not start but finds answering where the apps will look (docker compose, a
// cluster of the team's): checked to be what they claim, then used as they are, never fetched,
// started or stopped. A port held by anything else is refused with what was found there.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { secureDir } from './kafka-secure.ts';
import { portInUse } from './ports.ts';
import type { Stack } from './stack.ts';

/** What answers at an address: nothing, the expected service, or something else. */
export type Found = { kind: 'nothing' } | { kind: 'service'; detail: string } | { kind: 'stranger'; detail: string };

function hostAndPort(address: string): { host: string; port: number } {
  const url = new URL(`tcp://${address}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

/** The TLS and SCRAM settings of a secure broker whose files are in `dir` (compose or `--secure`), if any. */
export function secureProbeSettings(dir: string): Pick<KafkaConfig, 'ssl' | 'sasl'> | undefined {
  const secrets = join(dir, 'secrets.json');
  const ca = join(dir, 'ca.pem');
  if (!existsSync(secrets) || !existsSync(ca)) return undefined;
  const { passwords } = JSON.parse(readFileSync(secrets, 'utf8')) as { passwords: { admin: string } };
  return {
    ssl: { ca: [readFileSync(ca, 'utf8')], rejectUnauthorized: true },
    sasl: { mechanism: 'scram-sha-512', username: 'admin', password: passwords.admin },
  };
}

async function describeCluster(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'>): Promise<string> {
  const admin = new Kafka({
    clientId: 'tally-launcher-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    ...security,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Kafka at `brokers` if it answers a metadata request, in plaintext or, with `secure`, over TLS
 * with SCRAM. Only the first address is checked for a listener.
 */
export async function probeKafka(brokers: string[], secure?: Pick<KafkaConfig, 'ssl' | 'sasl'>): Promise<Found> {
  const first = brokers[0];
  if (first === undefined) return { kind: 'nothing' };
  const { host, port } = hostAndPort(first);
  if (!(await portInUse(port, host))) return { kind: 'nothing' };
  const attempts: [string, Pick<KafkaConfig, 'ssl' | 'sasl'>][] = [['plaintext', {}]];
  if (secure) attempts.push(['TLS + SCRAM', secure]);
  const failures: string[] = [];
  for (const [how, security] of attempts) {
    try {
      return { kind: 'service', detail: `${how}, ${await describeCluster(brokers, security)}` };
    } catch (error) {
      failures.push(`${how}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { kind: 'stranger', detail: failures.join('; ') };
}

/** A Confluent-compatible schema registry at `url` if `GET <url>/subjects` answers with a list. */
export async function probeRegistry(url: string): Promise<Found> {
  const { hostname, port, protocol } = new URL(url);
  if (!(await portInUse(Number(port || (protocol === 'https:' ? 443 : 80)), hostname))) return { kind: 'nothing' };
  try {
    const response = await fetch(`${url.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(5_000) });
    const body = await response.text();
    if (response.ok && Array.isArray(JSON.parse(body))) return { kind: 'service', detail: 'answers GET /subjects' };
    return { kind: 'stranger', detail: `GET /subjects answered ${response.status}: ${body.slice(0, 120)}` };
  } catch (error) {
    return { kind: 'stranger', detail: `GET /subjects failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Points each app's settings file in `dir` at `dir`'s own ca.pem when the CA file it names does
 * not exist here: a container wrote them with the folder as it could guess it. Returns the files
 * it rewrote.
 */
export function repairCaPaths(dir: string): string[] {
  const ca = join(dir, 'ca.pem');
  if (!existsSync(ca)) return [];
  const repaired: string[] = [];
  for (const app of ['producer', 'consumer', 'reports']) {
    const file = join(dir, `${app}.env`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const named = /^KAFKA_SSL_CA_FILE=(.*)$/m.exec(text)?.[1];
    if (named === undefined || existsSync(named)) continue;
    writeFileSync(file, text.replace(/^KAFKA_SSL_CA_FILE=.*$/m, `KAFKA_SSL_CA_FILE=${ca}`), { mode: 0o600 });
    repaired.push(file);
  }
  return repaired;
}

/**
 * A Kafka that answers where the apps will look, not started by this launcher (docker compose,
 * say): used as it is. Refuses a port held by something that does not answer as Kafka.
 */
export async function adoptKafka(stack: Stack): Promise<boolean> {
  const { config, paths, log } = stack;
  const where = config.kafkaBrokers.join(',');
  const found = await probeKafka(config.kafkaBrokers, secureProbeSettings(secureDir(paths.local)));
  if (found.kind === 'stranger')
    throw new Error(
      `kafka: ${where} is in use, but not by a Kafka that answers (${found.detail}); stop what holds it (see \`ss -ltnp\`), or set TALLY_KAFKA_PORT to run Tally's own Kafka on another port (a Kafka still starting, in docker compose say, answers like this too: \`docker compose … up -d --wait\` waits until it is ready)`,
    );
  if (found.kind === 'nothing') {
    if (config.kafkaElsewhere)
      throw new Error(
        `kafka: nothing answers at KAFKA_BROKERS=${where}; start it there, or unset KAFKA_BROKERS to let the launcher run Kafka`,
      );
    return false;
  }
  log(`kafka      using the Kafka at ${where} (not started by Tally; ${found.detail})`);
  for (const file of repairCaPaths(secureDir(paths.local))) log(`kafka      pointed ${file} at this checkout's ca.pem`);
  return true;
}

/** Likewise for the schema registry at SCHEMA_REGISTRY_URL. */
export async function adoptRegistry(stack: Stack): Promise<boolean> {
  const { config, log } = stack;
  const url = config.schemaRegistryUrl;
  const found = await probeRegistry(url);
  if (found.kind === 'stranger')
    throw new Error(
      `registry: ${url} is in use, but not by a schema registry (${found.detail}); stop what holds it (see \`ss -ltnp\`)`,
    );
  if (found.kind === 'nothing') {
    if (config.registryElsewhere)
      throw new Error(
        `registry: nothing answers at SCHEMA_REGISTRY_URL=${url}; start it there, or unset SCHEMA_REGISTRY_URL to let the launcher run one`,
      );
    return false;
  }
  log(`registry   using the registry at ${url} (not started by Tally; ${found.detail})`);
  return true;
}
