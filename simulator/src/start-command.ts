import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import pino from 'pino';
import { knownBadges } from './badges.js';
import { makeFolder, port, wholeNumber } from './cli-options.js';
import { PartLoadError } from './errors.js';
import { startInProcessCloud } from './in-process-cloud.js';
import { Simulation } from './simulation.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** How much demo traffic `npm start` plans at a time; it plays round after round. */
export const START_ROUND_MS = 3_600_000;

export interface StartOptions {
  dataDir: string;
  doors: number;
  httpPort: number;
  mqttsPort: number;
  mqttPort: number;
  awsPort: number;
  seed: string;
}

export function startCommand(): Command {
  return new Command('start')
    .description(
      'Run the whole system on this machine: the local cloud, a handful of simulated doors with certificates from the local CA, and the live dashboard',
    )
    .option(
      '--data-dir <dir>',
      'state of the cloud and the doors (kept between runs)',
      join(REPO_ROOT, '.data'),
    )
    .option('-n, --doors <n>', 'simulated doors', wholeNumber('--doors'), 6)
    .option('--http-port <port>', 'dashboard and /metrics', port, 8080)
    .option('--mqtts-port <port>', 'MQTT over TLS with client certificates', port, 8883)
    .option('--mqtt-port <port>', 'plain MQTT on loopback', port, 1883)
    .option('--aws-port <port>', 'the AWS API endpoint', port, 4566)
    .option('--seed <seed>', 'seed of the simulated traffic', 'demo')
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}

/** Start everything, print where to look, and stop cleanly on Ctrl-C / SIGTERM. */
export async function runStart(options: StartOptions): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Failures go to stderr, where a user (or a script discarding stdout) looks for them.
  const fail = (line: string) => process.stderr.write(`${line}\n`);
  makeFolder(options.dataDir, '--data-dir');
  out('smartdoor: starting the local cloud…');
  let cloud: Awaited<ReturnType<typeof startInProcessCloud>>;
  try {
    cloud = await startInProcessCloud({
      dataDir: join(options.dataDir, 'cloud'),
      badges: knownBadges(),
      // A person reads this terminal: one short line per log entry, not pino's JSON.
      logFormat: 'terminal',
      config: {
        httpPort: options.httpPort,
        mqttsPort: options.mqttsPort,
        mqttPort: options.mqttPort,
        awsPort: options.awsPort,
      },
    });
  } catch (error) {
    if (error instanceof PartLoadError) {
      fail(`smartdoor: ${error.message}: ${(error.cause as Error | undefined)?.message.split('\n')[0]}`);
      fail('  A partial install? Run `npm install` in the repository, then try again.');
      process.exitCode = 2;
      return;
    }
    const message = (error as Error).message;
    fail(`smartdoor: the local cloud did not start: ${message}`);
    if (/EADDRINUSE/.test(message)) {
      fail(
        '  a port is taken (another smartdoor?): pick others with --http-port, --mqtts-port, --mqtt-port, --aws-port (0: any free port)',
      );
    }
    process.exitCode = 1;
    return;
  }
  const sim = new Simulation({
    cloud,
    scenario: 'demo',
    doors: options.doors,
    rate: options.doors / 8,
    // Played in rounds of an hour until Ctrl-C (runContinuously): memory stays flat.
    durationMs: START_ROUND_MS,
    seed: options.seed,
    outbox: 'sqlite',
    dataDir: join(options.dataDir, 'doors'),
    logger: pino({ level: 'silent' }),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      out('\nsmartdoor: stopping…');
      await sim.stop();
      await cloud.stop();
      out('smartdoor: stopped. State kept in ' + options.dataDir);
    })();
    return stopping;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await sim.start();
  out(`smartdoor: ${options.doors} simulated doors connected over mTLS (certificates from the local CA).`);
  out(`smartdoor: badge directory seeded with ${knownBadges().length} known badges.`);
  out(
    `smartdoor: dashboard  ${cloud.dashboardUrl ?? '(not served: the cloud runs without its HTTP server)'}`,
  );
  out(`smartdoor: broker     mqtts://127.0.0.1:${cloud.broker.port}`);
  out('smartdoor: Ctrl-C stops everything.');
  await sim.runContinuously();
  await stop();
}
