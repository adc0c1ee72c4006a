export { freePort, isPortFree } from './ports.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
