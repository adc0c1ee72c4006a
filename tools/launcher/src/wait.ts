// Waiting for a service the launcher started: its readiness probe polled until it answers or a deadline passes.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns true or the deadline passes. Returns the last error seen, so a
 * time-out can say why the service never answered.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs, intervalMs = 500, stillAlive }: { timeoutMs: number; intervalMs?: number; stillAlive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (stillAlive && !stillAlive()) throw new Error(`${what}: the process exited while starting`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s${reason}`);
}
