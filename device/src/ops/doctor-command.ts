import { Command } from 'commander';
import { doctorFailed, formatDoctor, runDoctor } from './doctor.js';

/**
 * `smartdoor-agent doctor [--config FILE] [--json]`: checks an installation and prints one
 * line per check; exits 1 when any check fails.
 */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Check the config, credentials, GPIO, serial port, broker and clock of this door')
    .option(
      '-c, --config <file>',
      'agent config file (default: $SMARTDOOR_AGENT_CONFIG or /etc/smartdoor/agent.json)',
    )
    .option('--json', 'print the results as JSON')
    .option('--timeout <ms>', 'broker probe timeout in milliseconds', (v) => Number.parseInt(v, 10), 5_000)
    .action(async (opts: { config?: string; json?: boolean; timeout: number }) => {
      const results = await runDoctor({ configPath: opts.config, brokerTimeoutMs: opts.timeout });
      const failed = doctorFailed(results);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ ok: !failed, checks: results }, null, 2)}\n`
          : `${formatDoctor(results)}\n`,
      );
      if (failed) process.exitCode = 1;
    });
}
