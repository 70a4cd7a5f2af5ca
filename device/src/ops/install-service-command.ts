import { Command } from 'commander';
import { InstallOptionError } from './errors.js';
import { installServiceWithBundle } from './install-service.js';

/**
 * `smartdoor-agent install-service [--config FILE] [--user smartdoor] [--data-dir DIR]
 * [--unit-dir /etc/systemd/system] [--bundle-file FILE.mjs] [--no-bundle] [--dry-run]`:
 * builds the agent bundle, writes the hardened systemd unit that runs it with plain node,
 * and prints the commands that finish the installation. A bad option or config value
 * (`--user root`, a newline in a path) exits 2, a failure to build or write exits 1.
 */
export function installServiceCommand(): Command {
  return new Command('install-service')
    .description('Write the systemd unit for the agent (a dedicated user, restarted always, hardened)')
    .option(
      '-c, --config <file>',
      'agent config file (default: $SMARTDOOR_AGENT_CONFIG or /etc/smartdoor/agent.json)',
    )
    .option('--user <name>', 'system user the agent runs as', 'smartdoor')
    .option('--data-dir <dir>', "data folder (default: the config's dataDir, else /var/lib/smartdoor)")
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option(
      '--bundle-file <file>',
      'where to build the agent bundle (default: device/dist/smartdoor-agent.mjs)',
    )
    .option('--no-bundle', 'run the TypeScript through tsx instead of a bundle (more memory, slower start)')
    .option('--dry-run', 'print the unit instead of writing it (builds nothing)')
    .action(
      async (opts: {
        config?: string;
        user: string;
        dataDir?: string;
        unitDir: string;
        bundleFile?: string;
        bundle: boolean;
        dryRun?: boolean;
      }) => {
        try {
          const result = await installServiceWithBundle({
            configPath: opts.config,
            user: opts.user,
            dataDir: opts.dataDir,
            unitDir: opts.unitDir,
            agentBin: opts.bundleFile,
            bundle: opts.bundle,
            dryRun: opts.dryRun,
          });
          const out: string[] = [];
          for (const note of result.notes) out.push(`note: ${note}`);
          if (result.bundle)
            out.push(`built ${result.bundle.outFile} (${(result.bundle.bytes / 1024).toFixed(0)} KiB)`);
          if (result.unitPath) out.push(`wrote ${result.unitPath}`);
          else out.push(result.unit);
          out.push('', result.unitPath ? 'next:' : 'to install it, run without --dry-run (as root), then:');
          out.push(...result.nextSteps.map((s) => `  ${s}`));
          process.stdout.write(`${out.join('\n')}\n`);
        } catch (cause) {
          process.stderr.write(
            `install-service: ${cause instanceof Error ? cause.message : String(cause)}\n`,
          );
          // 2: what was asked is wrong (an option or a config value); 1: it could not be done.
          process.exitCode = cause instanceof InstallOptionError ? 2 : 1;
        }
      },
    );
}
