// Tally uses the RabbitMQ already running on the machine (only the AMQP bridge needs one); the
// launcher checks that an AMQP 0-9-1 server answers at AMQP_URL and says so. It never starts, stops
// or reconfigures it, and a missing one does not stop `infra:up`: the bridge keeps retrying.
import { connect } from 'node:net';

/** The protocol header a client opens with; an AMQP 0-9-1 server answers with a connection.start method frame. */
const PROTOCOL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01]);
const METHOD_FRAME = 1;

export type RabbitFound = { ok: true; product: string } | { ok: false; reason: string };

/** Whether an AMQP 0-9-1 server answers at the URL's host and port (no login: the bridge does that). */
export function probeRabbitMq(amqpUrl: string, timeoutMs = 3_000): Promise<RabbitFound> {
  const url = new URL(amqpUrl);
  const port = Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672));
  if (url.protocol === 'amqps:') return Promise.resolve({ ok: false, reason: 'amqps:// is not checked by the launcher' });
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port });
    let received = Buffer.alloc(0);
    const done = (found: RabbitFound) => {
      socket.destroy();
      resolve(found);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, reason: `no answer within ${timeoutMs} ms` }));
    socket.on('error', (error) => done({ ok: false, reason: error.message }));
    socket.on('close', () => done({ ok: false, reason: 'the connection closed without an AMQP answer' }));
    socket.on('connect', () => socket.write(PROTOCOL_HEADER));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      if (received[0] !== METHOD_FRAME) return done({ ok: false, reason: 'something else answers there (not AMQP 0-9-1)' });
      // The server properties of connection.start name the product and version in plain text.
      const text = received.toString('latin1');
      const product = /productS[\s\S]{4}RabbitMQ/.test(text) ? 'RabbitMQ' : 'an AMQP 0-9-1 server';
      const version = /versionS[\s\S]{4}(\d+\.\d+\.\d+)/.exec(text)?.[1];
      done({ ok: true, product: version ? `${product} ${version}` : product });
    });
  });
}
