// What the launcher finds at an address, against servers of the test's own on loopback (no Kafka
// needed: the stranger cases), and the CA path repair of a container's settings files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@tally/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { probeKafka, probeRegistry, repairCaPaths } from './adopt.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function httpServer(answer: (url: string) => [number, string]): Promise<number> {
  const server = createServer((request, response) => {
    const [status, body] = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

describe('probeKafka', () => {
  it('finds nothing where nothing listens', async () => {
    expect(await probeKafka([`127.0.0.1:${await freePort()}`])).toEqual({ kind: 'nothing' });
  });

  it('calls an HTTP server on the port a stranger, saying what failed', async () => {
    const port = await httpServer(() => [400, 'no']);
    const found = await probeKafka([`127.0.0.1:${port}`]);
    expect(found.kind).toBe('stranger');
    expect(found.kind === 'stranger' && found.detail).toMatch(/^plaintext: /);
  });
});

describe('probeRegistry', () => {
  it('takes a server that lists its subjects for a registry', async () => {
    const port = await httpServer((url) => (url === '/apis/ccompat/v7/subjects' ? [200, '["a-value"]'] : [404, '{}']));
    expect(await probeRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`)).toEqual({
      kind: 'service',
      detail: 'answers GET /subjects',
    });
  });

  it.each([
    ['a 404', 404, '{"error":"not here"}'],
    ['a 200 that is not a list', 200, '{"status":"UP"}'],
    ['a page that is not JSON', 200, '<html></html>'],
  ])('calls a server that answers %s a stranger', async (_what, status, body) => {
    const port = await httpServer(() => [status, body]);
    expect((await probeRegistry(`http://127.0.0.1:${port}/apis/ccompat/v7`)).kind).toBe('stranger');
  });

  it('finds nothing where nothing listens', async () => {
    expect(await probeRegistry(`http://127.0.0.1:${await freePort()}/apis/ccompat/v7`)).toEqual({ kind: 'nothing' });
  });
});

describe('repairCaPaths', () => {
  it("points the apps' settings at this folder's ca.pem when the file they name is missing here", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-secure-'));
    writeFileSync(join(dir, 'ca.pem'), 'pem');
    writeFileSync(join(dir, 'producer.env'), 'KAFKA_BROKERS=127.0.0.1:9092\nKAFKA_SSL_CA_FILE=/elsewhere/.local/secure/ca.pem\n');
    writeFileSync(join(dir, 'consumer.env'), `KAFKA_SSL_CA_FILE=${join(dir, 'ca.pem')}\n`);

    expect(repairCaPaths(dir)).toEqual([join(dir, 'producer.env')]);
    expect(readFileSync(join(dir, 'producer.env'), 'utf8')).toBe(
      `KAFKA_BROKERS=127.0.0.1:9092\nKAFKA_SSL_CA_FILE=${join(dir, 'ca.pem')}\n`,
    );
    expect(readFileSync(join(dir, 'consumer.env'), 'utf8')).toBe(`KAFKA_SSL_CA_FILE=${join(dir, 'ca.pem')}\n`);
  });
});
