/**
 * The human-readable summary of a run printed by `cdmsim run`: headline
 * figures, then traffic per link, then per node.
 */
import Table from 'cli-table3';
import { formatPs } from '@cdmsim/engine';
import type { RunResult } from '@cdmsim/runtime';
import { formatBytes } from './summary-format.js';
import { describeCheck, describeWorkload } from './workload-text.js';

export { formatBytes };

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** Returns the summary text of `result`. */
export function formatSummary(result: RunResult): string {
  const w = result.workload;
  const head = new Table({ style: { head: [], border: [] } });
  head.push(
    { machine: `${result.config.topology.name} (${result.config.topology.cpus.length} CPU nodes, ${result.config.topology.devices.length} devices, ${result.config.topology.links.length} links)` },
    { mode: `${result.host.mode}${result.host.workers > 1 ? ` on ${result.host.workers} workers` : ''}, seed ${result.seed}` },
    { 'simulated time': formatPs(result.simTimePs) },
    { workload: describeWorkload(w) },
    { 'data check': describeCheck(w) },
    { 'data hash': w.dataHash },
    { 'event-log hash': result.eventLogHash },
    { events: `${result.totals.events} events, ${result.totals.messages} messages${result.host.scheduler.rounds > 0 ? `, ${result.host.scheduler.rounds} rounds (${result.host.scheduler.eventsPerRound.toFixed(1)} events, ${Math.round(result.host.scheduler.wallUsPerRound)} µs each)` : ''}` },
    { 'wall time': `${(result.host.wallMs / 1000).toFixed(2)} s run + ${(result.host.startupMs / 1000).toFixed(2)} s startup, ${Math.round(result.host.eventsPerSecond).toLocaleString('en-US')} events/s` },
  );
  const links = new Table({ head: ['link', 'kind', 'direction', 'messages', 'bytes', 'busy', 'mean queue wait'] });
  for (const l of result.links) {
    for (const d of l.directions) {
      if (d.messages === 0) continue;
      links.push([l.name, l.kind, `${d.from} → ${d.to}`, d.messages, formatBytes(d.bytes), percent(d.utilization), formatPs(Math.round(d.queueDelayPs / d.messages))]);
    }
  }
  const nodes = new Table({ head: ['node', 'events', 'sent', 'received', 'forwarded', 'memory reads', 'memory writes', 'memory busy'] });
  for (const n of result.nodes) {
    nodes.push([n.name, n.kernel.eventsProcessed, n.kernel.messagesSent, n.kernel.messagesReceived, n.kernel.messagesForwarded, n.home.reads, n.home.writes, percent(result.simTimePs > 0 ? n.home.busyPs / result.simTimePs : 0)]);
  }
  return `${head.toString()}\n\nTraffic per link direction (idle directions omitted)\n${links.toString()}\n\nPer node\n${nodes.toString()}\n`;
}
