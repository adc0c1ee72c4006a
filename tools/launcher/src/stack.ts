// The whole local stack: PostgreSQL (checked, never started), Kafka, then the registry.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineNames } from '@tally/config';
import { Kafka, logLevel } from 'kafkajs';
import { adoptKafka, adoptRegistry, probeKafka, probeRegistry, secureProbeSettings } from './adopt.ts';
import { artifactDir, ensureArtifact } from './artifacts.ts';
import type { LauncherConfig } from './config.ts';
import { brokerAddresses, type KafkaLayout, nodeIds, nodeName, prepareKafka, runningNodes, waitForKafka } from './kafka.ts';
import { provisionPipeline } from './kafka-acls.ts';
import { adminClientSecurity, prepareSecureFiles, type SecureFiles, secureDir, writeClientFiles } from './kafka-secure.ts';
import type { InfraPaths } from './paths.ts';
import { assertPortsFree } from './ports.ts';
import { databaseName, dropDatabases, ensureDatabases, redact, serverUrl } from './postgres.ts';
import { runningPid, startService, stopService, tailLog } from './processes.ts';
import { probeRabbitMq } from './rabbitmq.ts';
import { REGISTRY_PORT, registrySpec, registryUrl, waitForRegistry } from './registry.ts';

export interface Stack {
  paths: InfraPaths;
  config: LauncherConfig;
  log: (line: string) => void;
}

const REGISTRY = 'registry';

function layoutFile(paths: InfraPaths): string {
  return join(paths.run, 'kafka-layout.json');
}

export function currentLayout(paths: InfraPaths): KafkaLayout | undefined {
  try {
    const layout = JSON.parse(readFileSync(layoutFile(paths), 'utf8')) as KafkaLayout;
    return runningNodes(paths, layout).length > 0 ? layout : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Idempotent: starts what is not running and waits until each service really answers. Without
 * `brokers` or `secure`, a running layout is kept (so `pnpm test` does not undo `infra:up --brokers 3`).
 */
export async function up(stack: Stack, options: { brokers?: number; kafkaOnly?: boolean; secure?: boolean } = {}): Promise<void> {
  const { paths, config, log } = stack;
  const started = Date.now();
  if (!options.kafkaOnly) {
    const appDb = databaseName(config.databaseUrl);
    const created = await ensureDatabases(config.databaseUrl, [appDb, config.registryDatabase]);
    const note = created.length > 0 ? ` (created ${created.join(', ')})` : '';
    log(`postgres   ${redact(serverUrl(config.databaseUrl, appDb))} answers${note}`);
    await checkRabbitMq(stack);
  }

  const running = currentLayout(paths);
  // NOTE: a layout asked for (--brokers, --secure, TALLY_KAFKA_VERSION) is the launcher's own to run;
  // a Kafka found on its port then is refused as a stranger, never taken for the version asked.
  const asked = options.brokers !== undefined || options.secure === true || config.kafkaVersionAsked;
  const adopted = running === undefined && !asked && (await adoptKafka(stack));
  if (!adopted) await ownKafka(stack, running, options);
  if (!options.kafkaOnly && !(runningPid(paths, REGISTRY) === undefined && (await adoptRegistry(stack))))
    await startRegistry(stack);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** RabbitMQ, as PostgreSQL: the one running is used; none answering is said plainly, and only the AMQP bridge needs it. */
async function checkRabbitMq(stack: Stack): Promise<boolean> {
  const where = redact(stack.config.amqpUrl);
  const found = await probeRabbitMq(stack.config.amqpUrl);
  if (found.ok) stack.log(`rabbitmq   ${where} answers (${found.product}), for the AMQP bridge`);
  else {
    stack.log(
      `rabbitmq   no RabbitMQ answers at ${where} (${found.reason}).\n` +
        '           Only the AMQP bridge (apps/amqp-bridge) needs it, and it keeps retrying: start the RabbitMQ of this machine\n' +
        '           (Debian: apt-get install rabbitmq-server, then rabbitmq-server -detached), or point AMQP_URL at one.',
    );
  }
  return found.ok;
}

/** The launcher's own Kafka: started, kept, or switched to the layout asked for. */
async function ownKafka(
  stack: Stack,
  running: KafkaLayout | undefined,
  options: { brokers?: number; secure?: boolean },
): Promise<void> {
  const { config, log } = stack;
  const layout: KafkaLayout = {
    version: config.kafkaVersion,
    brokers: options.brokers ?? running?.brokers ?? 1,
    brokerPort: config.kafkaPort,
    controllerPort: config.kafkaControllerPort,
    ...((options.secure ?? running?.secure) ? { secure: true } : {}),
  };
  if (layout.secure && layout.brokers !== 1)
    throw new Error('--secure runs one broker; drop --brokers 3 (or stop the 3-broker layout first)');
  if (running && JSON.stringify(running) !== JSON.stringify(layout)) {
    log(`kafka      switching from ${describe(running)} to ${describe(layout)}`);
    await stopKafka(stack);
  }
  await startKafka(stack, layout);
}

async function startKafka(stack: Stack, layout: KafkaLayout): Promise<void> {
  const { paths, log } = stack;
  // Ports first: a stranger on them is refused before anything is fetched.
  for (const id of nodeIds(layout)) {
    if (runningPid(paths, nodeName(id)) === undefined)
      await assertPortsFree(nodeName(id), [layout.brokerPort + id - 1, layout.controllerPort + id - 1]);
  }
  const libs = await ensureArtifact(paths, { kind: 'kafka', version: layout.version }, log);
  const secure = layout.secure ? prepareSecureFiles(paths.local) : undefined;
  const specs = prepareKafka(paths, layout, libs, secure);
  const missing = specs.filter((spec) => runningPid(paths, spec.name) === undefined);
  for (const spec of missing) startService(paths, spec);
  mkdirSync(paths.run, { recursive: true });
  writeFileSync(layoutFile(paths), JSON.stringify(layout));
  const alive = () => specs.every((spec) => runningPid(paths, spec.name) !== undefined);
  try {
    await waitForKafka(layout, alive, secure ? adminClientSecurity(secure) : {});
  } catch (error) {
    const failing = specs.find((spec) => runningPid(paths, spec.name) === undefined) ?? specs[0];
    throw withLog(error, failing ? tailLog(paths, failing.name) : '');
  }
  const verb = missing.length > 0 ? 'started' : 'running';
  log(`kafka      ${verb} ${describe(layout)}`);
  if (secure) await secureClients(stack, layout, secure);
}

/** Topics and ACLs (the apps may not create topics), then each app's env file. */
async function secureClients(stack: Stack, layout: KafkaLayout, secure: SecureFiles): Promise<void> {
  const names = pipelineNames(process.env);
  const admin = new Kafka({
    clientId: 'tally-launcher',
    brokers: brokerAddresses(layout),
    logLevel: logLevel.NOTHING,
    ...adminClientSecurity(secure),
  }).admin();
  await admin.connect();
  try {
    await provisionPipeline(admin, names);
  } finally {
    await admin.disconnect();
  }
  const written = writeClientFiles(secure, brokerAddresses(layout).join(','));
  stack.log(
    `kafka      topics ${names.reportTopic}, ${names.deadLetterTopic} and ACLs for tally-producer, tally-consumer, tally-reports`,
  );
  stack.log(`kafka      client settings (secrets, mode 0600): ${written.join(', ')}`);
}

async function startRegistry(stack: Stack): Promise<void> {
  const { paths, config, log } = stack;
  const appDir = join(await ensureArtifact(paths, { kind: 'apicurio', version: config.apicurioVersion }, log), 'app');
  const wasRunning = runningPid(paths, REGISTRY) !== undefined;
  if (!wasRunning) {
    await assertPortsFree(REGISTRY, [REGISTRY_PORT]);
    startService(
      paths,
      registrySpec(paths, appDir, {
        name: REGISTRY,
        port: REGISTRY_PORT,
        databaseUrl: serverUrl(config.databaseUrl, config.registryDatabase),
      }),
    );
  }
  try {
    await waitForRegistry(registryUrl(), () => runningPid(paths, REGISTRY) !== undefined);
  } catch (error) {
    throw withLog(error, tailLog(paths, REGISTRY));
  }
  log(`registry   ${wasRunning ? 'running' : 'started'} Apicurio ${config.apicurioVersion} at ${registryUrl()}`);
}

function describe(layout: KafkaLayout): string {
  const security = layout.secure ? ' (SASL_SSL, SCRAM-SHA-512, ACLs)' : '';
  return `Kafka ${layout.version} with ${layout.brokers} broker(s) at ${brokerAddresses(layout).join(',')}${security}`;
}

function withLog(error: unknown, log: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\n--- last lines of its log ---\n${log}`);
}

/** Every Kafka node we started, whatever the layout: the pid files say which. */
function kafkaNodeNames(paths: InfraPaths): string[] {
  if (!existsSync(paths.run)) return [];
  return readdirSync(paths.run)
    .filter((file) => /^kafka-\d+\.pid$/.test(file))
    .map((file) => file.replace(/\.pid$/, ''));
}

async function stopKafka(stack: Stack): Promise<void> {
  const names = kafkaNodeNames(stack.paths);
  const stopped = await Promise.all(names.map((name) => stopService(stack.paths, name)));
  for (const [i, name] of names.entries()) stack.log(`${name.padEnd(10)} ${stopped[i] ? 'stopped' : 'was not running'}`);
}

/** Stops exactly the processes this launcher started (by pid, checked against their identity). */
export async function down(stack: Stack): Promise<void> {
  const stopped = await stopService(stack.paths, REGISTRY);
  stack.log(`registry   ${stopped ? 'stopped' : 'was not running'}`);
  await stopKafka(stack);
}

/** Down, then wipe Kafka's data, the logs and Tally's databases (the registry's schemas too). */
export async function reset(stack: Stack): Promise<void> {
  await down(stack);
  const { paths, config, log } = stack;
  rmSync(paths.data, { recursive: true, force: true });
  rmSync(paths.logs, { recursive: true, force: true });
  rmSync(paths.run, { recursive: true, force: true });
  // The secure broker's CA, certificate and passwords: the next `up --secure` makes new ones.
  rmSync(secureDir(paths.local), { recursive: true, force: true });
  const databases = [databaseName(config.databaseUrl), config.registryDatabase];
  await dropDatabases(config.databaseUrl, databases);
  log(`wiped      Kafka data, logs, --secure credentials, databases ${databases.join(', ')} (fetched artifacts kept)`);
}

export async function status(stack: Stack): Promise<boolean> {
  const { paths, config, log } = stack;
  let allUp = true;
  for (const name of kafkaNodeNames(paths)) {
    const pid = runningPid(paths, name);
    allUp &&= pid !== undefined;
    log(`${name.padEnd(10)} ${pid === undefined ? 'not running' : `running, pid ${pid}`}`);
  }
  const layout = currentLayout(paths);
  if (layout) log(`kafka      ${describe(layout)}`);
  else {
    const found = await probeKafka(config.kafkaBrokers, secureProbeSettings(secureDir(paths.local)));
    allUp &&= found.kind === 'service';
    log(
      `kafka      ${found.kind === 'service' ? `answering at ${config.kafkaBrokers.join(',')} (not started by Tally)` : 'not running'}`,
    );
  }
  const registryPid = runningPid(paths, REGISTRY);
  if (registryPid !== undefined) log(`registry   running, pid ${registryPid}`);
  else {
    const found = await probeRegistry(config.schemaRegistryUrl);
    allUp &&= found.kind === 'service';
    log(
      `registry   ${found.kind === 'service' ? `answering at ${config.schemaRegistryUrl} (not started by Tally)` : 'not running'}`,
    );
  }
  await checkRabbitMq(stack);
  log(
    `artifacts  ${existsSync(artifactDir(paths, { kind: 'kafka', version: stack.config.kafkaVersion })) ? 'fetched' : 'not fetched yet'}`,
  );
  return allUp;
}
