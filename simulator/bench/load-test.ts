// The load test: thousands of virtual doors, each the real DoorAgent with its own TLS MQTT
// connection (client certificate from the local CA), against the in-process local cloud.
//   npx tsx simulator/bench/load-test.ts [--doors 5000] [--rate 250] [--duration 60s]
// Doors keep their outbox in memory (a SQLite file per door would cost 5,000 files and
// handles) and share one client key pair (the CA signs one certificate per door; making
// 5,000 key pairs is not what is being measured). No proxy: 2 descriptors per door.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { percentile, printTable, report } from '../../scripts/bench/report.ts';
import { startThreadCloud } from '../src/cloud-thread/cloud-thread.ts';
import { busSummary } from '../src/ledger.ts';
import { parseDuration } from '../src/scenarios/plan.ts';
import { Simulation } from '../src/simulation.ts';

const { values } = parseArgs({
  options: {
    doors: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '250' },
    duration: { type: 'string', default: '60s' },
    drain: { type: 'string', default: '60s' },
    settle: { type: 'string', default: '120s' },
  },
});
const doors = Number(values.doors);
const bench = 'load';
const cloud = await startThreadCloud({ logLevel: 'error' });
const sim = new Simulation({
  cloud,
  scenario: 'office-day',
  doors,
  rate: Number(values.rate),
  durationMs: parseDuration(values.duration),
  drainMs: parseDuration(values.drain),
  seed: 'load',
  proxy: false,
  connectConcurrency: 64,
  logger: pino({ level: 'silent' }),
  onProgress: (p) => {
    if (p.phase === 'connecting' && p.value % 500 === 0)
      process.stderr.write(`connected ${p.value}/${p.total}\n`);
  },
});
const rssSamples: number[] = [];
const rssTimer = setInterval(() => rssSamples.push(process.memoryUsage().rss), 1_000);
const cpu0 = process.cpuUsage();
const t0 = Date.now();
await sim.start();
const connectMs = Date.now() - t0;
const connected = (await cloud.connectedClients()).filter((id) => id.startsWith('door-')).length;
process.stderr.write(`fleet up: ${connected} connections in ${connectMs} ms\n`);
const summary = busSummary(await sim.run());
clearInterval(rssTimer);
const cpu = process.cpuUsage(cpu0);
const wallS = (Date.now() - t0) / 1_000;
report({
  bench,
  metric: 'doors connected (TLS MQTT, one per door)',
  value: connected,
  unit: 'connections',
  note: `of ${doors}`,
});
report({ bench, metric: 'fleet connect time', value: connectMs / 1_000, unit: 's' });
report({ bench, metric: 'events created', value: summary.created, unit: 'events' });
report({ bench, metric: 'events acknowledged', value: summary.acknowledged, unit: 'events' });
report({ bench, metric: 'events on the bus', value: summary.ingested, unit: 'events' });
report({
  bench,
  metric: 'events lost',
  value: summary.lost,
  unit: 'events',
  note: `${summary.lostAfterAck} after PUBACK`,
});
report({ bench, metric: 'subscriber results', value: summary.subscriberResults, unit: 'events' });
report({ bench, metric: 'edge to PUBACK p50', value: summary.ackLatencyMs.p50 ?? Number.NaN, unit: 'ms' });
report({ bench, metric: 'edge to PUBACK p99', value: summary.ackLatencyMs.p99 ?? Number.NaN, unit: 'ms' });
report({ bench, metric: 'edge to bus p99', value: summary.ingestLatencyMs.p99 ?? Number.NaN, unit: 'ms' });
report({
  bench,
  metric: 'edge to subscriber result p99',
  value: summary.latencyMs.p99 ?? Number.NaN,
  unit: 'ms',
});
report({
  bench,
  metric: 'peak RSS (cloud + all doors, one process)',
  value: Math.max(...rssSamples) / 2 ** 20,
  unit: 'MB',
});
report({ bench, metric: 'median RSS', value: percentile(rssSamples, 50) / 2 ** 20, unit: 'MB' });
report({
  bench,
  metric: 'CPU used / wall time',
  value: (cpu.user + cpu.system) / 1e6 / wallS,
  unit: 'cores',
});
process.stderr.write(`${JSON.stringify(summary)}\n`);
// "Lost" above means "not on the bus when the drain ended". Keep listening a while to
// tell a backlog that is still moving from events that are gone.
const settleUntil = Date.now() + parseDuration(values.settle);
while (sim.ledger.outstanding() > 0 && Date.now() < settleUntil)
  await new Promise((r) => setTimeout(r, 1_000));
const late = busSummary(sim.ledger.summary({ scenario: '', seed: '', doors, durationMs: 0 }));
report({
  bench,
  metric: 'events lost after the settle time',
  value: late.lost,
  unit: 'events',
  note: `${late.lostAfterAck} after PUBACK; ${late.ingested - summary.ingested} more reached the bus while settling`,
});
printTable();
await sim.stop();
await cloud.stop();
