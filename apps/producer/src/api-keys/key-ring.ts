// The keys the producer accepts, re-read whenever the key file changes (polled every second).
import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { type ApiKeyRecord, byId, readKeyFile } from './key-file.ts';

export interface KeyRing {
  current(): ReadonlyMap<string, ApiKeyRecord>;
  close(): void;
}

/** Throws at start on a bad file; a bad file later is logged and the last good keys are kept. */
export function openKeyRing(path: string, log: Logger, pollMs = 1_000): KeyRing {
  let keys = byId(readKeyFile(path));
  log.info({ event: 'api_keys_loaded', file: path, active: countActive(keys) }, 'API keys loaded');
  const reload = () => {
    try {
      keys = byId(readKeyFile(path));
      log.info({ event: 'api_keys_loaded', file: path, active: countActive(keys) }, 'API keys reloaded');
    } catch (error) {
      log.error({ event: 'api_keys_unreadable', file: path, err: error }, 'API key file unreadable; keeping the last good keys');
    }
  };
  watchFile(path, { interval: pollMs, persistent: false }, reload);
  return {
    current: () => keys,
    close: () => unwatchFile(path, reload),
  };
}

function countActive(keys: ReadonlyMap<string, ApiKeyRecord>): number {
  return [...keys.values()].filter((key) => key.revoked_at === null).length;
}
