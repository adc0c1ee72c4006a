// `pnpm --filter @tally/bench latency [seconds] [runs]`: the end-to-end stage of `pnpm bench` alone: the whole
// pipeline's maximum on this machine, then latency at half of it (send → counted, and the part after the 202).
import { startLatencyRig } from './e2e-latency.ts';
import { median, perSecond, progress } from './stats.ts';

const seconds = Number(process.argv[2] ?? 15);
const runs = Number(process.argv[3] ?? 3);
const rig = await startLatencyRig();
try {
  const maxRate = await rig.maxRate({ seconds, seed: 100 });
  const halfRate = Math.round(maxRate / 2);
  progress(`end-to-end maximum ${perSecond(maxRate)}; latency at half of it, ${perSecond(halfRate)}`);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const r = await rig.measure({ rate: halfRate, seconds, seed: i + 1 });
    results.push(r);
    progress(
      `run ${i + 1}: p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms; send → 202 p50 ${r.ackP50Ms.toFixed(0)}, p99 ${r.ackP99Ms.toFixed(0)}; 202 → counted p50 ${r.afterAckP50Ms.toFixed(0)}, p99 ${r.afterAckP99Ms.toFixed(0)} (${r.probes} probes at ${perSecond(r.rate)})`,
    );
  }
  progress(
    `median p50 ${median(results.map((r) => r.p50Ms)).toFixed(0)} ms, p99 ${median(results.map((r) => r.p99Ms)).toFixed(0)} ms`,
  );
} finally {
  await rig.stop();
}
