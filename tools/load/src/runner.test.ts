// The load client against a small stand-in for the producer's HTTP answer (no Kafka behind it): the
// ledger stays exact under every edge of the mix, and a producer that answers wrong ids is caught.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createEventSource, seededRandom } from '@tally/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_EDGES } from './edge-cases.ts';
import { createLedger } from './ledger.ts';
import { runLoad } from './runner.ts';

interface Stand {
  url: string;
  /** Every event id it wrote (as a Kafka topic would hold them), lower-cased. */
  written: string[];
  /** Bodies of keyless requests with an event without id, as received. */
  keylessBodies: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const uuidOf = (name: string) => {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** Writes, then answers 202 after `delayMs` (so a client's short timeout can cut a written request). */
async function standIn(options: { honourKeys: boolean; refuseKeyless?: boolean; delayMs?: number }): Promise<Stand> {
  const stand: Stand = { url: '', written: [], keylessBodies: [] };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const events = JSON.parse(body) as { event_id?: string }[];
      const key = request.headers['idempotency-key'] as string | undefined;
      if (key === undefined && events.some((e) => e.event_id === undefined)) {
        stand.keylessBodies.push(body);
        if (options.refuseKeyless) {
          // Written, then refused, as after an ack timeout.
          for (const _ of events) stand.written.push(randomUUID());
          response.writeHead(503, { 'retry-after': '0' }).end('{"errors":[]}');
          return;
        }
      }
      const ids = events.map(
        (e, i) => e.event_id?.toLowerCase() ?? (key && options.honourKeys ? uuidOf(`${key}\0${i}`) : randomUUID()),
      );
      stand.written.push(...ids);
      setTimeout(() => {
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accepted: ids.length, event_ids: ids }));
      }, options.delayMs ?? 0);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  stand.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/events`;
  return stand;
}

const run = (url: string, edges = NO_EDGES, resendFraction = 0.2) => {
  const ledger = createLedger();
  const source = createEventSource({ users: 50, skew: 0, actions: ['a', 'b'], seed: 3 });
  return runLoad(
    { url, rate: 4_000, durationSeconds: 1, batch: 20, concurrency: 4, resendFraction, drainSeconds: 2, edges },
    source,
    ledger,
    () => undefined,
    seededRandom(5),
  ).then((summary) => ({ summary, ledger }));
};

describe('the load client with the edges of what clients send', () => {
  it('keeps the ledger exact: every event written once per distinct id, none of the edges counted twice', async () => {
    const stand = await standIn({ honourKeys: true, delayMs: 8 });
    const { summary, ledger } = await run(stand.url, {
      noIds: 0.3,
      keys: 0.3,
      keyRetries: 1,
      keyTimeouts: 0.5,
      mixedCase: 0.5,
      isoTimes: 0.5,
    });
    expect(summary.noIdEvents).toBeGreaterThan(0);
    expect(summary.keyedRequests).toBeGreaterThan(0);
    expect(summary.isoTimes).toBeGreaterThan(0);
    expect(summary.keyRetries).toBe(summary.keyedRequests);
    expect(summary.keyTimeouts).toBeGreaterThan(0);
    expect(summary.mixedCaseIds).toBeGreaterThan(0);
    expect(summary.resends).toBeGreaterThan(0);
    expect([summary.idViolations, summary.uncertain, summary.abandoned]).toEqual([0, 0, 0]);
    // What the pipeline counts: each distinct id once. Resends, key retries and cut attempts add none.
    expect(new Set(stand.written).size).toBe(ledger.accepted());
    expect(stand.written.length).toBeGreaterThan(ledger.accepted());
  });

  it('counts a violation when a retried Idempotency-Key request is answered other ids', async () => {
    const stand = await standIn({ honourKeys: false });
    const { summary } = await run(stand.url, { ...NO_EDGES, keys: 1, keyRetries: 1 });
    expect(summary.keyRetries).toBeGreaterThan(0);
    expect(summary.idViolations).toBe(summary.keyRetries);
    expect(summary.violations[0]).toMatch(/answered other event_ids when sent again/);
  });

  it('never sends events without ids nor key again once they may have been written, and says their fate is unknown', async () => {
    const stand = await standIn({ honourKeys: true, refuseKeyless: true });
    const { summary, ledger } = await run(stand.url, { ...NO_EDGES, noIds: 1 }, 0);
    expect(ledger.accepted()).toBe(0);
    expect(summary.uncertain).toBe(stand.written.length);
    // Kept whole, so a check reading the topic can tell which landed.
    expect(ledger.toJSON().uncertain).toHaveLength(summary.uncertain);
    expect(new Set(stand.keylessBodies).size).toBe(stand.keylessBodies.length);
  });
});
