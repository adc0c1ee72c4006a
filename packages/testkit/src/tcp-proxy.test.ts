import { connect, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree } from './ports.ts';
import { startTcpProxy } from './tcp-proxy.ts';

// An echo server stands in for the shared service behind the proxy.
const echo = createServer((socket) => socket.pipe(socket));
const echoPort = new Promise<number>((resolve) =>
  echo.listen(0, '127.0.0.1', () => resolve((echo.address() as { port: number }).port)),
);
afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('the TCP proxy', () => {
  it('passes bytes both ways, refuses connections while cut, and passes them again once restored', async () => {
    const proxy = await startTcpProxy(await echoPort);
    expect(await roundTrip(proxy.port, 'ping')).toBe('ping');
    await proxy.cut();
    await expect(roundTrip(proxy.port, 'lost')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.restore();
    expect(await roundTrip(proxy.port, 'back')).toBe('back');
    await proxy.cut();
  });
});

describe('freePort', () => {
  it('gives a port that can be bound', async () => {
    expect(await isPortFree(await freePort())).toBe(true);
  });
});
