// The load test: thousands of virtual doors, each the real DoorAgent with its own TLS MQTT
// connection (client certificate from the local CA), against the in-process local cloud.
//   npx tsx simulator/bench/load-test.ts [--doors 5000] [--rate 250] [--duration 60s]
// Doors keep their outbox in memory (a SQLite file per door would cost 5,000 files and
// handles) and share one client key pair (the CA signs one certificate per door; making
// 5,000 key pairs is not what is being measured). No proxy: 2 descriptors per door.
import { InvalidArgumentError } from 'commander';
import pino from 'pino';
import { benchCommand, option, positive, positiveInt } from '../../scripts/bench/options.ts';
import { percentile, printTable, report } from '../../scripts/bench/report.ts';
import { startThreadCloud } from '../src/cloud-thread/cloud-thread.ts';
import { busSummary } from '../src/ledger.ts';
import { parseDuration } from '../src/scenarios/plan.ts';
import { Simulation } from '../src/simulation.ts';

const duration = (option: string) => (text: string) => {
  try {
    return parseDuration(text);
  } catch {
    throw new InvalidArgumentError(`${option}: expected e.g. 30s, 2m, 1h or 500ms`);
  }
};
const values = benchCommand(
  'load-test',
  'Thousands of doors, each its own TLS MQTT connection, playing an office day against the local cloud in one process',
)
  .addOption(
    option('--doors <n>', 'doors, each its own connection and certificate', positiveInt('--doors'), '5000'),
  )
  .addOption(option('--rate <n>', 'door openings per second across the fleet', positive('--rate'), '250'))
  .addOption(option('--duration <time>', 'how long to play the office day', duration('--duration'), '60s'))
  .addOption(
    option(
      '--drain <time>',
      'how long to wait for backlogs and results after the run',
      duration('--drain'),
      '60s',
    ),
  )
  .addOption(
    option(
      '--settle <time>',
      'how much longer to watch for events still moving',
      duration('--settle'),
      '120s',
    ),
  )
  .parse()
  .opts<{ doors: number; rate: number; duration: number; drain: number; settle: number }>();
const doors = values.doors;
const bench = 'load';
const cloud = await startThreadCloud({ logLevel: 'error' });
const sim = new Simulation({
  cloud,
  scenario: 'office-day',
  doors,
  rate: values.rate,
  durationMs: values.duration,
  drainMs: values.drain,
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
const settleUntil = Date.now() + values.settle;
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
