// `pnpm infra:up` beside services it did not start (docker compose, another launcher): the Kafka and
// registry that the test infrastructure runs are, for a launcher with a state folder of its own,
// exactly that. It must use them as they are, with no Java or Maven on PATH, and refuse a port held
// by anything that is not the expected service.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, KAFKA_BROKERS, LAUNCHER_ARGS, SCHEMA_REGISTRY_URL } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { probeKafka } from '../src/adopt.ts';

interface Run {
  code: number;
  output: string;
}

/**
 * The launcher in a state folder of its own, with only Node on PATH (no java, no mvn), and no
 * Kafka version asked for (CI's second pass sets TALLY_KAFKA_VERSION for every process).
 */
function launcher(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const state = mkdtempSync(join(tmpdir(), 'tally-adopt-'));
  states.push(state);
  const { TALLY_KAFKA_VERSION: _asked, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...LAUNCHER_ARGS, ...args],
      {
        env: { ...inherited, PATH: dirname(process.execPath), TALLY_STATE_DIR: state, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}
const states: string[] = [];

const servers: Server[] = [];
async function stranger(status: number, body: string): Promise<number> {
  const server = createServer((_request, response) => response.writeHead(status).end(body));
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('infra:up beside services it did not start', () => {
  const shared = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), SCHEMA_REGISTRY_URL };

  it('uses the Kafka and the registry that answer, fetching and starting nothing', async () => {
    const run = await launcher(['up'], shared);
    expect(run.output).toContain(
      `kafka      using the Kafka at ${shared.KAFKA_BROKERS} (not started by Tally; plaintext, cluster`,
    );
    expect(run.output).toContain(`registry   using the registry at ${SCHEMA_REGISTRY_URL} (not started by Tally`);
    expect(run.output).not.toMatch(/fetching|started Kafka|started Apicurio/);
    expect(run.code).toBe(0);
    const state = states.at(-1) as string;
    const pidFiles = existsSync(join(state, 'run')) ? readdirSync(join(state, 'run')).filter((f) => f.endsWith('.pid')) : [];
    expect(pidFiles).toEqual([]);
  });

  it('reports them in status, and leaves them running on down', async () => {
    const status = await launcher(['status'], shared);
    expect(status.output).toContain(`kafka      answering at ${shared.KAFKA_BROKERS} (not started by Tally)`);
    expect(status.output).toContain(`registry   answering at ${SCHEMA_REGISTRY_URL} (not started by Tally)`);
    expect(status.code).toBe(0);

    const down = await launcher(['down'], shared);
    expect(down.code).toBe(0);
    expect((await probeKafka(KAFKA_BROKERS)).kind).toBe('service');
  });

  it('takes no Kafka it finds for a version asked for with TALLY_KAFKA_VERSION: it refuses the port instead', async () => {
    const run = await launcher(['up', '--only', 'kafka'], { ...shared, TALLY_KAFKA_VERSION: '3.9.2' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('127.0.0.1:9092 is already in use by a process this launcher did not start');
    expect(run.output).not.toMatch(/fetching|using the Kafka/);
  });

  it('refuses a Kafka port held by something that is not Kafka, saying what it found', async () => {
    const port = await stranger(400, 'not kafka');
    const run = await launcher(['up', '--only', 'kafka'], { TALLY_KAFKA_PORT: String(port) });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`kafka: 127.0.0.1:${port} is in use, but not by a Kafka that answers (plaintext: `);
  });

  it('refuses a registry address held by something that is not a registry', async () => {
    const port = await stranger(404, '<html>no such page</html>');
    const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
    const run = await launcher(['up'], { ...shared, SCHEMA_REGISTRY_URL: url });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`registry: ${url} is in use, but not by a schema registry (GET /subjects answered 404`);
  });

  it('says so when KAFKA_BROKERS names a Kafka that does not answer, instead of starting one nobody uses', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const run = await launcher(['up', '--only', 'kafka'], { KAFKA_BROKERS: address });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`kafka: nothing answers at KAFKA_BROKERS=${address}`);
  });
});
