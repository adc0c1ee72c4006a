// Apache Kafka in KRaft mode, each node a combined broker and controller. One node: broker 127.0.0.1:9092. Three
// nodes (`--brokers 3`, for fault tests): brokers 9092-9094, controllers 9192-9194 in one quorum, replication
// factor 3, min.insync.replicas 2.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '@tally/config';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type SecureFiles, scramFormatArgs, secureServerProperties } from './kafka-secure.ts';
import type { InfraPaths } from './paths.ts';
import { identityArgs, runningPid, type ServiceSpec } from './processes.ts';
import { waitUntil } from './wait.ts';

export interface KafkaLayout {
  version: string;
  brokers: number;
  /** Node n listens for clients on brokerPort + n - 1 and for its quorum on controllerPort + n - 1. */
  brokerPort: number;
  controllerPort: number;
  /** `--secure`: SASL_SSL on the broker port, mTLS on the controller port, ACLs (one broker only). */
  secure?: boolean;
}

export const DEFAULT_BROKER_PORT = Number(new URL(`kafka://${DEFAULTS.kafkaBrokers}`).port);
export const DEFAULT_CONTROLLER_PORT = 9192;

export function nodeName(id: number): string {
  return `kafka-${id}`;
}

export function nodeIds(layout: KafkaLayout): number[] {
  return Array.from({ length: layout.brokers }, (_, i) => i + 1);
}

export function brokerAddresses(layout: KafkaLayout): string[] {
  return nodeIds(layout).map((id) => `127.0.0.1:${layout.brokerPort + id - 1}`);
}

/** The broker settings, shared with docker-compose.yml (a test compares the two). */
export function serverProperties(layout: KafkaLayout, id: number, logDir: string): Record<string, string> {
  const ids = nodeIds(layout);
  const replicas = String(layout.brokers);
  const minIsr = layout.brokers >= 3 ? '2' : '1';
  return {
    'process.roles': 'broker,controller',
    'node.id': String(id),
    'controller.quorum.voters': ids.map((n) => `${n}@127.0.0.1:${layout.controllerPort + n - 1}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${layout.brokerPort + id - 1},CONTROLLER://127.0.0.1:${layout.controllerPort + id - 1}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${layout.brokerPort + id - 1}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': logDir,
    // NOTE: topics are created on purpose by the apps and tests, never by a typo in a client.
    'auto.create.topics.enable': 'false',
    'num.partitions': '12',
    'default.replication.factor': replicas,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': replicas,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': minIsr,
    // A local group starts consuming at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': '0',
    'log.retention.hours': '168',
  };
}

function layoutDir(paths: InfraPaths, layout: KafkaLayout): string {
  const suffix = layout.secure ? '-secure' : '';
  return join(paths.data, `kafka-${layout.version}-${layout.brokers}node-${layout.brokerPort}${suffix}`);
}

/**
 * Kafka's Uuid.randomUuid().toString(): 16 random bytes, base64url without padding.
 * TRICKY: like Kafka, never one that starts with '-': `kafka-storage format -t -abc…` reads the id
 * as an option and fails (seen in the fault suite's 3-broker start, about 1 run in 64).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Writes each node's config and formats its storage once (KRaft needs a cluster id up front). */
export function prepareKafka(paths: InfraPaths, layout: KafkaLayout, libs: string, secure?: SecureFiles): ServiceSpec[] {
  const dir = layoutDir(paths, layout);
  mkdirSync(dir, { recursive: true });
  const clusterIdFile = join(dir, 'cluster.id');
  if (!existsSync(clusterIdFile)) {
    writeFileSync(clusterIdFile, newClusterId());
  }
  const clusterId = readFileSync(clusterIdFile, 'utf8').trim();
  const classpath = `${join(libs, 'libs')}/*`;
  const logging = loggingArgs(paths, layout.version);

  return nodeIds(layout).map((id) => {
    const name = nodeName(id);
    const logDir = join(dir, name);
    const propsFile = join(dir, `${name}.properties`);
    const props = {
      ...serverProperties(layout, id, logDir),
      ...(secure ? secureServerProperties(secure, layout.brokerPort + id - 1, layout.controllerPort + id - 1) : {}),
    };
    writeFileSync(
      propsFile,
      `${Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    if (!existsSync(join(logDir, 'meta.properties'))) {
      execFileSync(
        'java',
        [
          ...logging,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          propsFile,
          '--ignore-formatted',
          ...(secure ? scramFormatArgs(secure) : []),
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
    }
    return {
      name,
      command: 'java',
      args: [
        ...identityArgs(paths, name),
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-Djava.awt.headless=true',
        ...logging,
        '-cp',
        classpath,
        'kafka.Kafka',
        propsFile,
      ],
    };
  });
}

function loggingArgs(paths: InfraPaths, version: string): string[] {
  return version.startsWith('3.')
    ? [`-Dlog4j.configuration=file:${join(paths.kafkaConfig, 'log4j.properties')}`]
    : [`-Dlog4j2.configurationFile=${join(paths.kafkaConfig, 'log4j2.properties')}`];
}

export function runningNodes(paths: InfraPaths, layout: KafkaLayout): number[] {
  return nodeIds(layout).filter((id) => runningPid(paths, nodeName(id)) !== undefined);
}

/** Ready when a metadata request answers with every broker of the layout and a controller. */
export async function waitForKafka(
  layout: KafkaLayout,
  stillAlive: () => boolean,
  security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
  timeoutMs = 120_000,
): Promise<void> {
  const admin = new Kafka({
    ...security,
    clientId: 'tally-launcher',
    brokers: brokerAddresses(layout),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await waitUntil(
      `Kafka (${layout.brokers} broker${layout.brokers > 1 ? 's' : ''})`,
      async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length === layout.brokers && cluster.controller !== null;
      },
      { timeoutMs, stillAlive },
    );
  } finally {
    await admin.disconnect();
  }
}
