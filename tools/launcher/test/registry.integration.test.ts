import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { DATABASE_URL, SCHEMA_REGISTRY_URL } from '@tally/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artifactDir } from '../src/artifacts.ts';
import { infraPaths } from '../src/paths.ts';
import { dropDatabases, ensureDatabases, serverUrl } from '../src/postgres.ts';
import { runningPid, startService, stopService } from '../src/processes.ts';
import { REGISTRY_PORT, registrySpec, registryUrl, waitForRegistry } from '../src/registry.ts';
import { APICURIO_VERSION } from '../src/versions.ts';

const avro = (name: string, fields: object[]) => JSON.stringify({ type: 'record', name, namespace: 'tally.test', fields });
const v1 = avro('Visit', [
  { name: 'user_id', type: 'string' },
  { name: 'count', type: 'long' },
]);

describe('the schema registry', () => {
  // The compose file's healthcheck is the one check there that needs the real registry to answer.
  it("answers the compose file's healthcheck request with UP", async () => {
    const compose = parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'infra', 'docker-compose.yml'), 'utf8')) as {
      services: { registry: { healthcheck: { test: string[] } } };
    };
    const path = /GET (\S+) HTTP/.exec(compose.services.registry.healthcheck.test.join(' '))?.[1];
    expect(path).toBeDefined();
    const response = await fetch(`http://127.0.0.1:${REGISTRY_PORT}${path}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"UP"');
  });

  it('keeps a schema registered through @kafkajs/confluent-schema-registry across a restart', async () => {
    // A private instance (own port, own database) of what the launcher runs, so that restarting
    // it disturbs no other test.
    const paths = infraPaths();
    const database = `tally_registry_test_${randomUUID().replaceAll('-', '')}`;
    const port = randomInt(20_000, 30_000);
    const url = registryUrl(port);
    const spec = registrySpec(paths, join(artifactDir(paths, { kind: 'apicurio', version: APICURIO_VERSION }), 'app'), {
      name: `registry-test-${port}`,
      port,
      databaseUrl: serverUrl(DATABASE_URL, database),
    });
    const alive = () => runningPid(paths, spec.name) !== undefined;
    await ensureDatabases(DATABASE_URL, [database]);
    try {
      startService(paths, spec);
      await waitForRegistry(url, alive);
      const subject = `restart-${randomUUID()}-value`;
      const { id } = await new SchemaRegistry({ host: url }).register({ type: SchemaType.AVRO, schema: v1 }, { subject });

      await stopService(paths, spec.name);
      startService(paths, spec);
      await waitForRegistry(url, alive);

      const fresh = new SchemaRegistry({ host: url }); // no cache carried over
      expect(await fresh.getLatestSchemaId(subject)).toBe(id);
      const encoded = await fresh.encode(id, { user_id: '42', count: 7 });
      expect(encoded.readUInt8(0)).toBe(0); // Confluent wire format: magic byte, then the id
      expect(encoded.readInt32BE(1)).toBe(id);
      expect(await fresh.decode(encoded)).toEqual({ user_id: '42', count: 7 });

      // The schema lives in PostgreSQL, not in the process.
      const db = new pg.Client({ connectionString: serverUrl(DATABASE_URL, database) });
      await db.connect();
      const { rows } = await db.query('SELECT count(*)::int AS n FROM artifacts WHERE artifactid = $1', [subject]);
      await db.end();
      expect(rows[0]?.n).toBe(1);
    } finally {
      await stopService(paths, spec.name);
      await dropDatabases(DATABASE_URL, [database]);
    }
  });

  describe('through its Confluent-compatible API', () => {
    const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });
    const subjects: string[] = [];
    const subject = () => {
      const name = `infra-test-${randomUUID()}-value`;
      subjects.push(name);
      return name;
    };
    afterAll(async () => {
      for (const name of subjects) await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${name}`, { method: 'DELETE' });
    });

    it('sets BACKWARD compatibility on first registration and refuses a breaking version', async () => {
      const name = subject();
      await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject: name });
      const config = await (await fetch(`${SCHEMA_REGISTRY_URL}/config/${name}`)).json();
      expect(config).toEqual({ compatibilityLevel: 'BACKWARD' });

      const breaking = avro('Visit', [
        { name: 'user_id', type: 'string' },
        { name: 'count', type: 'long' },
        { name: 'session_id', type: 'string' }, // new field, no default: old records cannot be read
      ]);
      await expect(registry.register({ type: SchemaType.AVRO, schema: breaking }, { subject: name })).rejects.toThrow(
        /incompatible/i,
      );

      const compatible = avro('Visit', [
        { name: 'user_id', type: 'string' },
        { name: 'count', type: 'long' },
        { name: 'session_id', type: ['null', 'string'], default: null },
      ]);
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: compatible }, { subject: name });
      expect(await registry.getLatestSchemaId(name)).toBe(id);
    });

    it('gives the same schema the same id in every subject, as Confluent clients expect', async () => {
      const schema = avro(`Shared${randomUUID().replaceAll('-', '')}`, [{ name: 'a', type: 'string' }]);
      const first = await registry.register({ type: SchemaType.AVRO, schema }, { subject: subject() });
      const second = await registry.register({ type: SchemaType.AVRO, schema }, { subject: subject() });
      expect(second.id).toBe(first.id);
    });
  });
});
