// Memory figures for the benchmark table, read from /proc (Linux only).
import { readFileSync } from 'node:fs';

/** A process's peak resident set (VmHWM) in MiB, as Linux accounts it. */
export function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kib === undefined ? Number.NaN : Number(kib) / 1_024;
}
