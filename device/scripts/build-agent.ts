/**
 * `npm run build:agent -w device [-- <out.mjs>]`: build the agent into one ESM file for
 * plain node (default device/dist/smartdoor-agent.mjs). install-service does this too.
 */
import { buildAgentBundle } from '../src/ops/bundle.js';

try {
  const { outFile, bytes } = await buildAgentBundle({ outFile: process.argv[2] });
  process.stdout.write(`built ${outFile} (${(bytes / 1024).toFixed(0)} KiB)\n`);
} catch (err) {
  process.stderr.write(`build:agent: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
