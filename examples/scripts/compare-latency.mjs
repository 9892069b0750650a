// A script that uses cdmsim as a library (after `npm install PATH-TO-REPO/packages/cdmsim`):
// runs the built-in machine at two CPU memory latencies and prints what moved.
// Usage: node compare-latency.mjs [accessesPerDevice]
import { loadConfig, parseStats, runSimulation, statsText } from 'cdmsim';

const accesses = Number(process.argv[2] ?? 128);
const stats = {};
for (const latencyNs of [90, 180]) {
  const config = loadConfig({ set: { 'workload.bufferSize': '256KiB', 'workload.accessesPerDevice': accesses, 'cpus[cpu0].dram.latencyNs': latencyNs } });
  const result = await runSimulation(config, { seed: 1, mode: 'sequential' });
  if (!result.workload.verified) throw new Error(`data check failed at ${latencyNs} ns: ${result.workload.problems.join('; ')}`);
  stats[latencyNs] = parseStats(statsText(result));
}
const before = stats[90];
const after = stats[180];
for (const name of ['simTimePs', 'totals.events', 'totals.linkBytes']) {
  console.log(`${name}: ${before.get(name)} -> ${after.get(name)}`);
}
