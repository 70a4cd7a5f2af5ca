import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { AGENT_VERSION } from './agent.js';
import { buildAgent, DEFAULT_OUTBOX_KIND, type OutboxKind } from './agent-factory.js';
import { loadAgentConfig, loadBadgeSecret } from './config/load-agent-config.js';
import type { MetricsServer } from './metrics/metrics-server.js';
import { doctorCommand } from './ops/doctor-command.js';
import { installServiceCommand } from './ops/install-service-command.js';
import { provisionCommand } from './provisioning/provision-command.js';
import { buildStatusReport, formatStatusReport } from './status-report.js';

/**
 * `smartdoor-agent`: run the agent, show its status, and (from their own modules) doctor,
 * install-service and provision. Errors print one readable line and exit 1, no stack.
 * Every command runs under umask 077 (AGENT_UMASK).
 */
export function runCommand(): Command {
  return new Command('run')
    .description('Run the door agent until SIGINT or SIGTERM')
    .option(
      '-c, --config <file>',
      'agent config file (default: $SMARTDOOR_AGENT_CONFIG or /etc/smartdoor/agent.json)',
    )
    .addOption(
      new Option('--outbox <kind>', 'durable outbox store (switch only once the other is empty)')
        .choices(['sqlite', 'log'])
        .default(DEFAULT_OUTBOX_KIND),
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at http://<metrics.host>:<port>/metrics (overrides metrics in the config; 0 picks a free port)',
      parsePort,
    )
    .action(async (opts: { config?: string; outbox?: OutboxKind; metricsPort?: number }) => {
      const config = loadAgentConfig({ path: opts.config });
      const agent = await buildAgent(config, {
        outboxKind: opts.outbox,
        badgeSecret: () => loadBadgeSecret(config),
      });
      warnIfRoot(agent.logger);
      let metrics: MetricsServer | undefined;
      if (config.metrics.enabled || opts.metricsPort !== undefined) {
        // Loaded only here: prom-client costs about 12 MB and 40 ms of start-up, unused otherwise.
        const { serveAgentMetrics } = await import('./metrics/serve-agent-metrics.js');
        const port = opts.metricsPort ?? config.metrics.port;
        metrics = await serveAgentMetrics(agent, { host: config.metrics.host, port });
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          agent.logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        agent.logger.info({ signal }, 'stopping');
        Promise.all([agent.stop(), metrics?.close()]).then(
          () => process.exit(0),
          (err: Error) => {
            agent.logger.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      await agent.start();
    });
}

/**
 * Log a warning when the agent runs as root: it needs no privileges, and files it makes
 * as root are unwritable to the service's user later.
 */
export function warnIfRoot(logger: Pick<Logger, 'warn'>, getuid = process.getuid): void {
  if (getuid?.() === 0)
    logger.warn('running as root: the agent needs no privileges; see install-service (User=smartdoor)');
}

/** The agent's files (keys, outbox, state) are its own: none readable or writable by others. */
export const AGENT_UMASK = 0o077;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError(`expected a port number from 0 to 65535, received ${value}`);
  return port;
}

export function statusCommand(): Command {
  return new Command('status')
    .description('Show the agent: connection, outbox depth, oldest pending event, last PUBACK')
    .option(
      '-c, --config <file>',
      'agent config file (default: $SMARTDOOR_AGENT_CONFIG or /etc/smartdoor/agent.json)',
    )
    .option('--json', 'print JSON')
    .action((opts: { config?: string; json?: boolean }) => {
      const config = loadAgentConfig({ path: opts.config });
      const report = buildStatusReport(config);
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatusReport(report)}\n`,
      );
    });
}

export async function buildProgram(): Promise<Command> {
  return (
    new Command('smartdoor-agent')
      .description('The smartdoor door agent for a Raspberry Pi')
      .version(AGENT_VERSION)
      .showHelpAfterError()
      // Before any command: under `umask 0` the data folder, outbox and state would be world-writable.
      .hook('preAction', () => {
        process.umask(AGENT_UMASK);
      })
      .addCommand(runCommand())
      .addCommand(statusCommand())
      .addCommand(doctorCommand())
      .addCommand(installServiceCommand())
      .addCommand(provisionCommand())
  );
}

const isMain = process.argv[1] !== undefined && /smartdoor-agent(\.js)?$|cli\.ts$/.test(process.argv[1]);
if (isMain) {
  try {
    await (await buildProgram()).parseAsync();
  } catch (err) {
    process.stderr.write(`smartdoor-agent: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
