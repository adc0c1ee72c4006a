import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, freePort, readKeyValueFile } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artifactDir } from '../src/artifacts.ts';
import { launcherConfig } from '../src/config.ts';
import { serverProperties } from '../src/kafka.ts';
import { newSecret, prepareSecureFiles, type SecureFiles, savePassword, secureServerProperties } from '../src/kafka-secure.ts';
import { kafkaToolArgs } from '../src/kafka-tools.ts';
import { infraPaths } from '../src/paths.ts';

// docker compose cannot run here, so the secure compose service's script runs on its own, against
// the jars the launcher fetched: it must start the same broker `infra:up --secure` starts, from the
// same secrets.json, and leave its files to the checkout's owner.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'infra', 'compose', 'kafka-secure.sh');
const paths = infraPaths();
const KAFKA_VERSION = launcherConfig().kafkaVersion; // the line `pnpm test` runs (TALLY_KAFKA_VERSION)
const run = promisify(execFile);
// The state folder stands for the repository's .local (LOCAL_DIR), made by root as Docker would.
const state = mkdtempSync(join(tmpdir(), 'tally-compose-secure-'));
const secureDir = join(state, 'secure');
const dataDir = join(state, 'data');
const readyFile = join(state, 'ready');
// As root (as in the container), the script runs from a copy owned by a stand-in for the checkout's owner.
const asRoot = process.getuid?.() === 0;
const owner = asRoot ? { uid: 4242, gid: 4243 } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const script = asRoot ? join(state, 'kafka-secure.sh') : SCRIPT;
let files: SecureFiles;
let launcherSecrets = '';
let broker: ChildProcess | undefined;
let output = '';
let brokerPort = 0;
let controllerPort = 0;

async function startScript(): Promise<void> {
  output = '';
  const child = spawn('bash', [script], {
    env: {
      ...process.env,
      KAFKA_LIBS: join(artifactDir(paths, { kind: 'kafka', version: KAFKA_VERSION }), 'libs'),
      KAFKA_JAVA_OPTS: kafkaToolArgs(paths, KAFKA_VERSION)[0] ?? '',
      LOCAL_DIR: state,
      SECURE_DIR: secureDir,
      DATA_DIR: dataDir,
      READY_FILE: readyFile,
      LISTEN_HOST: '127.0.0.1',
      BROKER_PORT: String(brokerPort),
      CONTROLLER_PORT: String(controllerPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  broker = child;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await eventually(
    'the script to say the broker is ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`kafka-secure.sh exited ${child.exitCode}:\n${output}`);
      return output.includes('secure Kafka ready') || undefined;
    },
    180_000,
  );
}

async function stopScript(): Promise<void> {
  const child = broker;
  broker = undefined;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

beforeAll(async () => {
  brokerPort = await freePort();
  controllerPort = await freePort();
  // The launcher's own code makes secrets.json and the keystores first (`infra:up --secure`, then compose).
  files = prepareSecureFiles(state);
  launcherSecrets = readFileSync(join(secureDir, 'secrets.json'), 'utf8');
  if (asRoot) {
    copyFileSync(SCRIPT, script);
    chownSync(script, owner.uid, owner.gid);
  }
  await startScript();
});

afterAll(async () => {
  await stopScript();
  rmSync(state, { recursive: true, force: true });
});

const kafkaAs = (username: string, password: string) =>
  new Kafka({
    clientId: 'compose-secure-test',
    brokers: [`127.0.0.1:${brokerPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ssl: { ca: [readFileSync(join(secureDir, 'ca.pem'), 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username, password },
  });
const asApp = (file: string) => {
  const e = readKeyValueFile(join(secureDir, file));
  expect(e.KAFKA_BROKERS).toBe(`127.0.0.1:${brokerPort}`);
  return kafkaAs(e.KAFKA_SASL_USERNAME ?? '', e.KAFKA_SASL_PASSWORD ?? '');
};
const send = async (kafka: Kafka, topic: string) => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
    return 'written';
  } catch (error) {
    const e = error as { cause?: { type?: string }; type?: string; name?: string };
    return e.cause?.type ?? e.type ?? e.name;
  } finally {
    await producer.disconnect();
  }
};

/** What the compose healthcheck runs (kafka-broker-api-versions.sh), as its tool class from the launcher's jars. */
async function brokerApiVersions(commandConfig: string): Promise<{ ok: boolean; out: string }> {
  const attempt = async (tool: string) => {
    try {
      const { stdout } = await run(
        'java',
        [
          '-Xmx64m',
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          ...kafkaToolArgs(paths, KAFKA_VERSION),
          tool,
          '--bootstrap-server',
          `127.0.0.1:${brokerPort}`,
          '--command-config',
          commandConfig,
        ],
        { timeout: 60_000 },
      );
      return { ok: true, out: stdout };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
    }
  };
  // Kafka 4 moved it to the tools module; 3.9 has the Scala one.
  const result = await attempt('org.apache.kafka.tools.BrokerApiVersionsCommand');
  return /Could not find or load main class|ClassNotFoundException/.test(result.out)
    ? attempt('kafka.admin.BrokerApiVersionsCommand')
    : result;
}

/** Every file in the secure folder, the folder and the stand-in for .local belong to the checkout's owner. */
function expectOwnedByCheckoutOwner(private600: string[]): void {
  const mode = (file: string) => statSync(file).mode & 0o777;
  const owned = (file: string) => ({ file, uid: statSync(file).uid, gid: statSync(file).gid });
  expect(owned(secureDir)).toEqual({ file: secureDir, ...owner });
  expect(mode(secureDir)).toBe(0o700);
  for (const name of readdirSync(secureDir))
    expect(owned(join(secureDir, name))).toEqual({ file: join(secureDir, name), ...owner });
  for (const name of private600) expect([name, mode(join(secureDir, name))]).toEqual([name, 0o600]);
  // The stand-in for .local: Docker makes a missing bind-mount source as root; the script gives it back.
  expect(owned(state)).toEqual({ file: state, ...owner });
}

describe('infra/compose/kafka-secure.sh (docker-compose.secure.yml)', () => {
  it("uses the launcher's secrets.json as it is and writes the launcher's --secure broker settings", () => {
    expect(readFileSync(join(secureDir, 'secrets.json'), 'utf8')).toBe(launcherSecrets);
    expect(existsSync(join(secureDir, 'secrets.env'))).toBe(false);
    const layout = { version: KAFKA_VERSION, brokers: 1, brokerPort, controllerPort, secure: true };
    const launcher = { ...serverProperties(layout, 1, dataDir), ...secureServerProperties(files, brokerPort, controllerPort) };
    const written = readKeyValueFile(join(secureDir, 'server.properties'));
    // NOTE: the container names its controller "localhost" (127.0.0.1 is the container's own).
    expect(written['controller.quorum.voters']).toBe(`1@localhost:${controllerPort}`);
    delete written['controller.quorum.voters'];
    delete (launcher as Record<string, string>)['controller.quorum.voters'];
    expect(written).toEqual(launcher);
    for (const app of ['producer', 'consumer', 'reports'] as const)
      expect(readKeyValueFile(join(secureDir, `${app}.env`)).KAFKA_SASL_PASSWORD).toBe(files.passwords[`tally-${app}`]);
  });

  it('starts a broker where each principal may do only its part', async () => {
    const env = readKeyValueFile(join(secureDir, 'producer.env'));
    expect(env.KAFKA_SSL_CA_FILE).toBe(join(secureDir, 'ca.pem'));
    expect(await send(asApp('producer.env'), 'report-events')).toBe('written');
    expect(await send(asApp('producer.env'), 'report-events.dlq')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await send(asApp('consumer.env'), 'report-events.dlq')).toBe('written');
    expect(await send(asApp('consumer.env'), 'report-events')).toBe('TOPIC_AUTHORIZATION_FAILED');
    const plaintext = new Kafka({
      clientId: 'plain',
      brokers: [`127.0.0.1:${brokerPort}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    await expect(plaintext.connect().then(() => plaintext.listTopics())).rejects.toThrow();
    await plaintext.disconnect();
  });

  it("gives what it wrote to the checkout's owner (the script file's), 0600 in a 0700 folder", () => {
    // The keystores and PEM files here are the launcher's (their modes are its business); the rest are the script's.
    expectOwnedByCheckoutOwner(['server.properties', 'admin.properties', 'producer.env', 'consumer.env', 'reports.env']);
  });

  it('has a healthcheck that asks the broker for its API versions over TLS + SCRAM, as admin', async () => {
    const secure = parse(readFileSync(join(ROOT, 'infra', 'docker-compose.secure.yml'), 'utf8')) as {
      services: { kafka: { environment: Record<string, string | number>; healthcheck: { test: string[]; interval: string } } };
    };
    const { environment, healthcheck } = secure.services.kafka;
    const command = healthcheck.test[1] ?? '';
    expect(healthcheck.test[0]).toBe('CMD-SHELL');
    const readyDefault = /READY_FILE=\$\{READY_FILE:-([^}]+)\}/.exec(readFileSync(SCRIPT, 'utf8'))?.[1];
    expect(command).toContain(`test -f ${readyDefault} &&`);
    expect(command).toContain('/opt/kafka/bin/kafka-broker-api-versions.sh');
    expect(command).toContain(`--bootstrap-server 127.0.0.1:${environment.BROKER_PORT}`);
    expect(command).toContain(`--command-config ${environment.SECURE_DIR}/admin.properties`);
    // A light JVM: kafka-run-class.sh would otherwise take the broker's KAFKA_HEAP_OPTS.
    expect(command).toContain('KAFKA_HEAP_OPTS=-Xmx64m');
    expect(command).toContain("KAFKA_JVM_PERFORMANCE_OPTS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC'");
    expect(existsSync(readyFile)).toBe(true);

    const answered = await brokerApiVersions(join(secureDir, 'admin.properties'));
    expect(answered.ok, answered.out).toBe(true);
    expect(answered.out).toContain(`127.0.0.1:${brokerPort}`);
    const wrong = join(state, 'wrong-admin.properties');
    writeFileSync(
      wrong,
      readFileSync(join(secureDir, 'admin.properties'), 'utf8').replace(/password="[^"]*"/, `password="${newSecret()}"`),
    );
    expect((await brokerApiVersions(wrong)).ok).toBe(false);
  });

  it('takes a password changed in secrets.json (infra:rotate-password) at its next start', async () => {
    await stopScript();
    const old = files.passwords['tally-producer'];
    savePassword(files, 'tally-producer', newSecret()); // the launcher's own write, as infra:rotate-password does
    const rotated = files.passwords['tally-producer'];
    await startScript();
    expect(readFileSync(join(secureDir, 'secrets.json'), 'utf8')).toBe(
      JSON.stringify({ storePassword: files.storePassword, passwords: files.passwords }, null, 2),
    );
    expect(readKeyValueFile(join(secureDir, 'producer.env')).KAFKA_SASL_PASSWORD).toBe(rotated);
    expect(readKeyValueFile(join(secureDir, 'admin.properties'))['sasl.jaas.config']).toContain(
      `password="${files.passwords.admin}"`,
    );
    expect(await send(asApp('producer.env'), 'report-events')).toBe('written');
    expect(await send(kafkaAs('tally-producer', old), 'report-events')).toBe('KafkaJSSASLAuthenticationError');
  }, 240_000); // a second start of the script: a broker and a dozen of Kafka's tools
});

describe('infra/compose/kafka-secure.sh without a secrets.json', () => {
  it("makes one in the launcher's format, which the launcher then reads", async () => {
    await stopScript();
    rmSync(secureDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    if (asRoot) chownSync(state, 0, 0); // as Docker leaves a .local it had to make
    await startScript();
    const text = readFileSync(join(secureDir, 'secrets.json'), 'utf8');
    const made = JSON.parse(text) as Pick<SecureFiles, 'storePassword' | 'passwords'>;
    expect(text).toBe(JSON.stringify(made, null, 2));
    expect(Object.keys(made.passwords)).toEqual(['admin', 'tally-producer', 'tally-consumer', 'tally-reports']);
    for (const password of [made.storePassword, ...Object.values(made.passwords)]) expect(password).toMatch(/^[\w-]{32}$/);
    const launcher = prepareSecureFiles(state);
    expect(launcher.passwords).toEqual(made.passwords);
    expectOwnedByCheckoutOwner(readdirSync(secureDir));
    expect(readKeyValueFile(join(secureDir, 'reports.env')).KAFKA_SASL_PASSWORD).toBe(made.passwords['tally-reports']);
    expect(await send(asApp('producer.env'), 'report-events')).toBe('written');
  }, 240_000);
});
