import { fileURLToPath } from 'node:url';
import { buildAgentBundle } from '../src/ops/bundle.js';

/**
 * Bundle test/support/agent-child.ts (a DoorAgent driven over stdin, for 10,000 events)
 * with the very settings of the deployed bundle (src/ops/bundle.ts). Output in
 * device/bench/dist/ (ignored).
 */
export async function bundleAgentChild(): Promise<string> {
  const { outFile } = await buildAgentBundle({
    entryPoint: fileURLToPath(new URL('../../test/support/agent-child.ts', import.meta.url)),
    outFile: fileURLToPath(new URL('./dist/agent-child.mjs', import.meta.url)),
  });
  return outFile;
}
