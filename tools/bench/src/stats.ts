// Medians over repeated runs, and the progress line `pnpm bench` prints while it works.
export function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** A warm-up run that is thrown away, then RUNS measured runs. */
export async function repeat<T>(label: string, run: (i: number) => Promise<T>, describe: (result: T) => string): Promise<T[]> {
  progress(`${label}: warm-up`);
  progress(`${label}: warm-up: ${describe(await run(0))}`);
  const results: T[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const result = await run(i);
    progress(`${label}: run ${i}/${RUNS}: ${describe(result)}`);
    results.push(result);
  }
  return results;
}

export const perSecond = (n: number) => `${Math.round(n).toLocaleString('en')}/s`;
