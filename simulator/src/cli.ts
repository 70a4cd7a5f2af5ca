// The `smartdoor` operator CLI: one binary mounting every part's subcommand.
import { Command } from 'commander';
import { PartLoadError, SimulatorError, SimulatorOptionError } from './errors.js';
import { type LazyCommandSpec, lazyCommand } from './lazy-command.js';

/** Every subcommand, imported only when it runs (others may not have landed yet). */
export const SUBCOMMANDS: readonly LazyCommandSpec[] = [
  {
    name: 'start',
    description: 'Run the whole system on this machine: local cloud, simulated doors, dashboard',
    module: './start-command.js',
    exportName: 'startCommand',
    part: 'the start command',
  },
  {
    name: 'simulate',
    description: 'Run virtual doors (the real agent code) through a scenario and print a summary',
    module: './simulate-command.js',
    exportName: 'simulateCommand',
    part: 'the simulator',
  },
  {
    name: 'cloud',
    description: 'Start the local cloud (MQTT broker, AWS endpoint, EventBridge bus, dashboard)',
    module: '@smartdoor/cloud/cli/cloud-command',
    exportName: 'cloudCommand',
    part: 'the local cloud',
  },
  {
    name: 'events',
    description: 'EventBridge tools, e.g. test-event-pattern as the AWS CLI has it',
    module: '@smartdoor/cloud/cli/events-command',
    exportName: 'eventsCommand',
    part: 'the event pattern matcher',
  },
  {
    name: 'rules',
    description: 'IoT topic rule tools, e.g. test a rule SQL statement on a payload',
    module: '@smartdoor/cloud/cli/rules-command',
    exportName: 'rulesCommand',
    part: 'the IoT SQL evaluator',
  },
  {
    name: 'provision',
    description: 'Provision doors: thing, certificate and policy, from a name or a list',
    module: '@smartdoor/cloud/cli/provision-command',
    exportName: 'provisionCommand',
    part: 'provisioning',
  },
];

export function buildProgram(specs: readonly LazyCommandSpec[] = SUBCOMMANDS): Command {
  const program = new Command('smartdoor')
    .description('smartdoor: smart doors on AWS IoT Core and EventBridge, or all on this machine')
    .showHelpAfterError();
  for (const spec of specs) program.addCommand(lazyCommand(spec));
  return program;
}

/**
 * Run the CLI; errors become one readable line and exit code 1, or 2 for what the user
 * asked wrongly (an option) or a part that cannot load. Exit 1 is then what a run found
 * (simulate: something acknowledged was lost) or could not do (no door could connect).
 */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof PartLoadError) {
      process.stderr.write(`smartdoor: ${error.message}.\n`);
      const cause = error.cause instanceof Error ? error.cause.message.split('\n')[0] : undefined;
      if (cause) process.stderr.write(`  (${cause})\n`);
      process.stderr.write('  A partial install? Run `npm install` in the repository, then try again.\n');
      process.exitCode = 2;
    } else if (error instanceof SimulatorError) {
      process.stderr.write(`smartdoor: ${error.message}\n`);
      process.exitCode = error instanceof SimulatorOptionError ? 2 : 1;
    } else {
      throw error;
    }
  }
}

if (process.argv[1] && /smartdoor(\.js)?$|cli\.ts$/.test(process.argv[1])) {
  await main(process.argv.slice(2));
}
