// A TCP proxy the suite owns in front of a shared service (PostgreSQL, the registry, RabbitMQ): `cut()` drops every
// connection and stops listening, `restore()` listens again on the same port; `holdRequests()` stops passing on what
// clients send while the service's answers still reach them (an ack sent but never received). The shared service is
// never stopped.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** From now until cut(), bytes clients send are held back; the service's bytes still flow to them. */
  holdRequests(): void;
  cut(): Promise<void>;
  restore(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let holding = false;
  let server: Server | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect({ host: '127.0.0.1', port: targetPort });
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        clients.add(client);
        if (holding) client.unpipe(upstream);
        client.on('close', () => {
          clients.delete(client);
          upstream.destroy();
        });
        upstream.on('close', () => client.destroy());
      });
      next.on('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        const address = next.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  return {
    port,
    holdRequests() {
      holding = true;
      // NOTE: unpiped, the client's bytes stay unread (paused), so none reaches the service.
      for (const client of clients) client.unpipe();
    },
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    restore: () => {
      holding = false;
      return listen(port).then(() => undefined);
    },
  };
}
