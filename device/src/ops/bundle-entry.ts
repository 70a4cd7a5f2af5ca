/**
 * Entry of the production bundle (see bundle.ts). cli.ts runs itself only when started
 * as smartdoor-agent(.js) or cli.ts; the bundle is smartdoor-agent.mjs, so it runs here.
 */
import { buildProgram } from '../cli.js';

try {
  await (await buildProgram()).parseAsync();
} catch (err) {
  process.stderr.write(`smartdoor-agent: ${(err as Error).message}\n`);
  process.exit(1);
}
