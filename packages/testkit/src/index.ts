export { compareWithLedger, type LedgerRow, type Mismatch } from './ledger.ts';
export { freePort, isPortFree } from './ports.ts';
export { createEventSource, type EventMix, type GeneratedEvent } from './report-events.ts';
export { seededRandom } from './seeded-random.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
