import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, readKeyValueFile } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactDir } from '../src/artifacts.ts';
import { launcherConfig } from '../src/config.ts';
import { serverProperties } from '../src/kafka.ts';
import { type SecureFiles, secureServerProperties } from '../src/kafka-secure.ts';
import { kafkaToolArgs } from '../src/kafka-tools.ts';
import { infraPaths } from '../src/paths.ts';

// docker compose cannot run here, so the secure compose service's script runs on its own, against
// the jars the launcher fetched: it must start the same broker `infra:up --secure` starts.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const paths = infraPaths();
const KAFKA_VERSION = launcherConfig().kafkaVersion; // the line `pnpm test` runs (TALLY_KAFKA_VERSION)
const state = mkdtempSync(join(tmpdir(), 'tally-compose-secure-'));
const secureDir = join(state, 'secure');
const dataDir = join(state, 'data');
let script: ChildProcess;
let output = '';
let brokerPort = 0;
let controllerPort = 0;

beforeAll(async () => {
  brokerPort = await freePort();
  controllerPort = await freePort();
  script = spawn('bash', [join(ROOT, 'infra', 'compose', 'kafka-secure.sh')], {
    env: {
      ...process.env,
      KAFKA_LIBS: join(artifactDir(paths, { kind: 'kafka', version: KAFKA_VERSION }), 'libs'),
      KAFKA_JAVA_OPTS: kafkaToolArgs(paths, KAFKA_VERSION)[0] ?? '',
      SECURE_DIR: secureDir,
      DATA_DIR: dataDir,
      LISTEN_HOST: '127.0.0.1',
      BROKER_PORT: String(brokerPort),
      CONTROLLER_PORT: String(controllerPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  script.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  script.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await eventually(
    'the script to say the broker is ready',
    async () => {
      if (script.exitCode !== null) throw new Error(`kafka-secure.sh exited ${script.exitCode}:\n${output}`);
      return output.includes('secure Kafka ready') || undefined;
    },
    180_000,
  );
});

afterAll(async () => {
  if (script?.pid && script.exitCode === null) {
    const exited = new Promise((resolve) => script.once('exit', resolve));
    process.kill(-script.pid, 'SIGTERM');
    await exited;
  }
  rmSync(state, { recursive: true, force: true });
});

describe('infra/compose/kafka-secure.sh (docker-compose.secure.yml)', () => {
  it("writes the launcher's --secure broker settings", () => {
    const secrets = JSON.parse(readFileSync(join(secureDir, 'secrets.json'), 'utf8')) as Omit<SecureFiles, 'dir'>;
    const files: SecureFiles = {
      ...secrets,
      dir: secureDir,
      caPem: join(secureDir, 'ca.pem'),
      keystore: join(secureDir, 'broker.p12'),
      truststore: join(secureDir, 'truststore.p12'),
    };
    const layout = { version: KAFKA_VERSION, brokers: 1, brokerPort, controllerPort, secure: true };
    const launcher = { ...serverProperties(layout, 1, dataDir), ...secureServerProperties(files, brokerPort, controllerPort) };
    const written = readKeyValueFile(join(secureDir, 'server.properties'));
    // NOTE: the container names its controller "localhost" (127.0.0.1 is the container's own).
    expect(written['controller.quorum.voters']).toBe(`1@localhost:${controllerPort}`);
    delete written['controller.quorum.voters'];
    delete (launcher as Record<string, string>)['controller.quorum.voters'];
    expect(written).toEqual(launcher);
  });

  it('starts a broker where each principal may do only its part', async () => {
    const env = readKeyValueFile(join(secureDir, 'producer.env'));
    expect(env.KAFKA_SSL_CA_FILE).toBe(join(secureDir, 'ca.pem'));
    const ca = [readFileSync(join(secureDir, 'ca.pem'), 'utf8')];
    const as = (file: string) => {
      const e = readKeyValueFile(join(secureDir, file));
      return new Kafka({
        clientId: 'compose-secure-test',
        brokers: [e.KAFKA_BROKERS ?? ''],
        logLevel: logLevel.NOTHING,
        retry: { retries: 1 },
        ssl: { ca },
        sasl: { mechanism: 'scram-sha-512', username: e.KAFKA_SASL_USERNAME ?? '', password: e.KAFKA_SASL_PASSWORD ?? '' },
      });
    };
    const send = async (kafka: Kafka, topic: string) => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
        return 'written';
      } catch (error) {
        return (error as { cause?: { type?: string }; type?: string }).cause?.type ?? (error as { type?: string }).type;
      } finally {
        await producer.disconnect();
      }
    };
    expect(await send(as('producer.env'), 'report-events')).toBe('written');
    expect(await send(as('producer.env'), 'report-events.dlq')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await send(as('consumer.env'), 'report-events.dlq')).toBe('written');
    expect(await send(as('consumer.env'), 'report-events')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const plaintext = new Kafka({
      clientId: 'plain',
      brokers: [`127.0.0.1:${brokerPort}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    await expect(plaintext.connect().then(() => plaintext.listTopics())).rejects.toThrow();
    await plaintext.disconnect();
  });
});
