// Port checks before the launcher starts a service, so a stranger on its port is never taken for it.
import { connect } from 'node:net';

/** Whether something already accepts connections on host:port (127.0.0.1 unless said). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(1_000, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Refuses to start a service whose port someone else holds: its readiness probe would otherwise
 * be answered by the stranger, and the launcher would report a service that is not its own.
 */
export async function assertPortsFree(service: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    if (await portInUse(port)) {
      throw new Error(
        `${service}: 127.0.0.1:${port} is already in use by a process this launcher did not start (see \`ss -ltnp\`)`,
      );
    }
  }
}
