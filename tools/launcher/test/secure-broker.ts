// A private `infra:up --secure --only kafka` broker on free ports, in its own state folder, for the secure-broker tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, LAUNCHER_ARGS, readKeyValueFile } from '@tally/testkit';
import type { KafkaConfig } from 'kafkajs';
import type { Principal } from '../src/kafka-secure.ts';

const run = promisify(execFile);

export interface SecureBroker {
  brokers: string[];
  caPem: string;
  caFile: string;
  stateDir: string;
  password(principal: Principal): string;
  /** kafkajs settings for a principal (TLS with the launcher's CA, SCRAM-SHA-512). */
  as(principal: Principal, password?: string): Pick<KafkaConfig, 'ssl' | 'sasl'>;
  /** `infra:rotate-password <principal>` on this broker. */
  rotate(principal: Principal): Promise<void>;
  /** The env file the launcher wrote for an app, parsed. */
  appEnv(app: 'producer' | 'consumer' | 'reports'): Record<string, string>;
  stop(): Promise<void>;
}

export async function startSecureBroker(): Promise<SecureBroker> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tally-secure-'));
  const env = {
    ...process.env,
    TALLY_STATE_DIR: stateDir,
    TALLY_KAFKA_PORT: String(await freePort()),
    TALLY_KAFKA_CONTROLLER_PORT: String(await freePort()),
  };
  await run(process.execPath, [...LAUNCHER_ARGS, 'up', '--secure', '--only', 'kafka'], { env, timeout: 180_000 });
  const secure = join(stateDir, 'secure');
  const passwords = () =>
    (JSON.parse(readFileSync(join(secure, 'secrets.json'), 'utf8')) as { passwords: Record<Principal, string> }).passwords;
  const caFile = join(secure, 'ca.pem');
  const caPem = readFileSync(caFile, 'utf8');
  return {
    brokers: [`127.0.0.1:${env.TALLY_KAFKA_PORT}`],
    caPem,
    caFile,
    stateDir,
    password: (principal) => passwords()[principal],
    as: (principal, password = passwords()[principal]) => ({
      ssl: { ca: [caPem], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: principal, password },
    }),
    appEnv: (app) => readKeyValueFile(join(secure, `${app}.env`)),
    async rotate(principal) {
      await run(process.execPath, [...LAUNCHER_ARGS, 'rotate-password', principal], { env, timeout: 120_000 });
    },
    async stop() {
      await run(process.execPath, [...LAUNCHER_ARGS, 'down'], { env, timeout: 60_000 });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
