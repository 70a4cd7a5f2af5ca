// Placeholder until the agent core lands: the real CLI mounts run, status, doctor,
// install-service and provision.
import { Command } from 'commander';

const program = new Command('smartdoor-agent').description('The smartdoor door agent for a Raspberry Pi');
await program.parseAsync();
