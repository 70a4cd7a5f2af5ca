import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { THING_NAME_RE } from '@smartdoor/shared';
import { Command } from 'commander';
import pino from 'pino';
import { makeFolder, nonNegative, openFileLimit, wholeNumber } from './cli-options.js';
import { SimulatorOptionError } from './errors.js';
import { externalCloud } from './external-cloud.js';
import type { SimOutboxKind } from './fleet/virtual-door.js';
import type { RunSummary } from './ledger.js';
import { ProgressDisplay } from './progress.js';
import { findScenario, SCENARIOS } from './scenarios/catalog.js';
import { openingShortfall, parseDuration } from './scenarios/plan.js';
import type { SimCloud } from './sim-cloud.js';
import { Simulation } from './simulation.js';

export interface SimulateOptions {
  doors: number;
  rate?: number;
  duration: string;
  scenario: string;
  seed: string;
  prefix: string;
  endpoint?: string;
  ca?: string;
  cert?: string;
  key?: string;
  bundles?: string;
  outbox: SimOutboxKind;
  dataDir?: string;
  drain: string;
  json?: boolean;
  progress: boolean;
  /** --proxy (true), --no-proxy (false), or neither: only for a scenario that cuts the network. */
  proxy?: boolean;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Run virtual doors (the real agent code, simulated inputs) through a scenario, then print a summary',
    )
    .option('-n, --doors <n>', 'number of doors, each its own MQTT connection', wholeNumber('--doors'), 10)
    .option(
      '-r, --rate <n>',
      'door openings per second across the fleet (default: one per door every 10 s)',
      nonNegative('--rate'),
    )
    .option('-d, --duration <time>', 'how long to play the scenario: 30s, 2m, 1h', '30s')
    .option('-s, --scenario <name>', `one of: ${SCENARIOS.map((s) => s.name).join(', ')}`, 'office-day')
    .option('--seed <seed>', 'seed of the plan: the same seed plays the same steps', '1')
    .option(
      '--prefix <name>',
      'thing names of the doors: door- gives door-001, door-002, ... (two runs on one broker need two prefixes)',
      'door-',
    )
    .option(
      '--endpoint <url>',
      'a running broker (mqtt:// or mqtts://); default: a local cloud in a worker thread of this process',
    )
    .option('--ca <file>', 'CA certificate for --endpoint mqtts://')
    .option('--cert <file>', 'client certificate for --endpoint mqtts://')
    .option('--key <file>', 'client key for --endpoint mqtts://')
    .option(
      '--bundles <dir>',
      'a certificate per door for --endpoint mqtts://: the folder smartdoor provision bulk --out wrote (door-001/, ...)',
    )
    .option(
      '--outbox <kind>',
      "memory (load runs), or log or sqlite: the agent's durable outboxes, one file per door (log is a real door's default)",
      'memory',
    )
    .option(
      '--data-dir <dir>',
      'folder for the log or sqlite outboxes, kept after the run (default: a temporary folder, removed after it)',
    )
    .option(
      '--drain <time>',
      'how long to wait after the run for backlogs to reach the bus and openings to get their results',
      '15s',
    )
    .option(
      '--proxy',
      'put the TCP proxy that network-partition cuts between doors and broker, whatever the scenario (default: for network-partition only; 2 more file descriptors a door)',
    )
    .option('--no-proxy', 'connect the doors straight to the broker (network-partition cannot play then)')
    .option('--json', 'print the summary as one JSON line on stdout')
    .option('--no-progress', 'no progress bar')
    .action(async (options: SimulateOptions) => {
      const summary = await runSimulate(options);
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
      if ((summary.lostAfterAck ?? 0) > 0 || (summary.duplicateEffects ?? 0) > 0) process.exitCode = 1;
    });
}

/** Parse the options, run the simulation against its cloud, and return the summary. */
export async function runSimulate(options: SimulateOptions): Promise<RunSummary> {
  if (!['memory', 'sqlite', 'log'].includes(options.outbox)) {
    throw new SimulatorOptionError(
      '--outbox',
      `expected memory, log or sqlite, received "${options.outbox}"`,
    );
  }
  const scenario = findScenario(options.scenario);
  if (options.proxy === false && scenario.cutsNetwork) {
    throw new SimulatorOptionError(
      '--no-proxy',
      `scenario ${scenario.name} cuts the network between the doors and the broker: it needs the proxy`,
    );
  }
  const proxy = options.proxy ?? scenario.cutsNetwork === true;
  // The doors' names are the prefix and a number: the prefix must be a thing name itself.
  if (!THING_NAME_RE.test(`${options.prefix}0000000`)) {
    throw new SimulatorOptionError(
      '--prefix',
      `expected letters, digits, ":", "_" or "-", at most 121 of them (the prefix and a number make a thing name), received "${options.prefix}"`,
    );
  }
  checkFileDescriptors(options, proxy);
  const durationMs = parseDuration(options.duration);
  const drainMs = parseDuration(options.drain, '--drain');
  // File outboxes need a folder: the one given, or a temporary one for this run only
  // (made before the cloud starts, so a bad folder stops nothing half-started).
  if (options.outbox !== 'memory' && options.dataDir) makeFolder(options.dataDir, '--data-dir');
  // Ctrl-C and a service manager's SIGTERM alike, from here on (the cloud takes a moment to
  // start): stop early, still print the summary, and remove the temporary folders (the
  // cloud's among them holds its CA key).
  const stop: StopRequest = { requested: false };
  const onSignal = () => {
    stop.requested = true;
    void stop.sim?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await simulateRun({ ...options, proxy }, durationMs, drainMs, stop);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A stop asked for by a signal, and the simulation it stops once there is one. */
interface StopRequest {
  requested: boolean;
  sim?: Simulation;
}

async function simulateRun(
  options: SimulateOptions,
  durationMs: number,
  drainMs: number,
  stop: StopRequest,
): Promise<RunSummary> {
  const scratch =
    options.outbox !== 'memory' && !options.dataDir
      ? mkdtempSync(join(tmpdir(), 'smartdoor-sim-'))
      : undefined;
  const cloud: SimCloud = options.endpoint
    ? externalCloud({
        endpoint: options.endpoint,
        caFile: options.ca,
        certFile: options.cert,
        keyFile: options.key,
        bundlesDir: options.bundles,
      })
    : // Its own thread: the doors' TLS and outboxes and the cloud's pipeline each get a core.
      // Errors only: the local notifier logs each notification as a warning, and hundreds
      // of them would bury the progress bar and the summary (LOG_LEVEL=warn shows them).
      await (await import('./cloud-thread/cloud-thread.js')).startThreadCloud({
        logLevel: process.env.LOG_LEVEL ?? 'error',
      });
  const progress = new ProgressDisplay({
    enabled: options.progress && !options.json && process.stderr.isTTY === true,
  });
  const rate = options.rate ?? options.doors / 10;
  const sim = new Simulation({
    cloud,
    scenario: options.scenario,
    doors: options.doors,
    rate,
    durationMs,
    drainMs,
    seed: /^\d+$/.test(options.seed) ? Number(options.seed) : options.seed,
    prefix: options.prefix,
    outbox: options.outbox,
    dataDir: options.dataDir ?? scratch,
    proxy: options.proxy,
    logger: pino({ level: 'silent' }),
    onProgress: (p) => progress.update(p),
  });
  stop.sim = sim;
  // Stopped while the cloud started: the run plays nothing, and its summary says so.
  if (stop.requested) await sim.stop();
  try {
    await sim.start();
    // Counting the planned openings walks the plan (about 2 us an opening): a long run's
    // start is not held up for the warning.
    const openings = (rate * durationMs) / 1000 <= SHORTFALL_WALK_LIMIT ? sim.openings : undefined;
    const shortfall = openings && openingShortfall(openings, options.doors);
    if (shortfall) process.stderr.write(`smartdoor: warning: ${shortfall}\n`);
    return await sim.run();
  } finally {
    progress.stop();
    await sim.stop();
    await cloud.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Most openings a plan may ask for and still be walked for the shortfall warning (about 2 s). */
const SHORTFALL_WALK_LIMIT = 1_000_000;

/** Open files besides the doors': the cloud's databases, listeners and logs, Node's own. */
const PROCESS_FILES = 200;

/**
 * Refuse a fleet this process cannot open files for, before starting it: past the limit,
 * connections fail one by one (EMFILE) and the run reports doors that never connected.
 */
function checkFileDescriptors(options: SimulateOptions, proxy: boolean): void {
  const limit = openFileLimit();
  if (limit === undefined) return;
  // Per door: its socket; the proxy's two; the local cloud's end; a SQLite outbox's three
  // files (database, WAL, shared memory) or a log outbox's one.
  const perDoor =
    1 +
    (proxy ? 2 : 0) +
    (options.endpoint ? 0 : 1) +
    (options.outbox === 'sqlite' ? 3 : options.outbox === 'log' ? 1 : 0);
  const needed = options.doors * perDoor + PROCESS_FILES;
  if (needed <= limit) return;
  throw new SimulatorOptionError(
    '--doors',
    `${options.doors} doors need about ${needed} open files (${perDoor} a door, and ${PROCESS_FILES} for the cloud and the process) and this process may open ${limit}: ` +
      `raise the hard limit (ulimit -Hn: Node already takes all of it)${options.proxy === true ? ', leave out --proxy' : ''} or run fewer doors`,
  );
}

export function formatSummary(s: RunSummary): string {
  const ms = (l: RunSummary['latencyMs']) =>
    l.samples === 0
      ? 'no samples'
      : `p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms (${l.samples} samples)`;
  const head: Array<[string, string | number]> = [
    [
      'scenario',
      `${s.scenario} (seed ${s.seed}, ${s.doors} doors, ${Math.round(s.durationMs / 100) / 10} s)`,
    ],
    ['events created', s.created],
    ['acknowledged (PUBACK)', s.acknowledged],
  ];
  const tail: Array<[string, string | number]> = [
    ['malformed payloads sent', s.malformedSent],
    ['rejected to error queues', s.rejected ?? 'unknown'],
    ['connections', s.connects],
  ];
  const rows: Array<[string, string | number]> =
    s.observed === 'bus'
      ? [
          ...head,
          ['reached the bus', s.ingested],
          ['delivered to subscribers', s.deliveredToSubscribers],
          ['subscriber results', s.subscriberResults],
          [
            'on the bus, by type',
            Object.entries(s.busEventsByType)
              .map(([type, n]) => `${type} ${n}`)
              .join(', ') || 'none',
          ],
          ['openings without a result', `${s.openingsUnsettled} of ${s.openings}`],
          ['lost', `${s.lost}${s.lostAfterAck ? ` (${s.lostAfterAck} after PUBACK!)` : ''}`],
          ['duplicates sent / suppressed', `${s.duplicatesSent} / ${s.duplicatesSuppressed}`],
          ['duplicate effects', s.duplicateEffects],
          ...tail,
          ['latency edge → result', ms(s.latencyMs)],
          ['  identification', ms(s.identificationLatencyMs)],
          ['  notification', ms(s.notificationLatencyMs)],
          ['latency edge → PUBACK', ms(s.ackLatencyMs)],
          ['latency edge → bus', ms(s.ingestLatencyMs)],
        ]
      : [
          ...head,
          ['not acknowledged', s.lost],
          ['past the broker', 'not observed (--endpoint: this process sees PUBACKs only)'],
          ['duplicates sent', s.duplicatesSent],
          ...tail,
          ['latency edge → PUBACK', ms(s.ackLatencyMs)],
        ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
