import { accessSync, constants, statSync } from 'node:fs';
import { type CheckResult, fail, ok, warn } from './check-result.js';

/** The outbox lives in the data folder: it must exist and be writable by the agent. */
export function checkDataDir(dataDir: string): CheckResult {
  try {
    if (!statSync(dataDir).isDirectory()) return fail('data dir', `${dataDir} is not a folder`);
  } catch {
    return warn(
      'data dir',
      `${dataDir} does not exist yet (install-service prints the command that creates it; the agent needs it to start)`,
    );
  }
  try {
    accessSync(dataDir, constants.W_OK);
  } catch {
    return fail('data dir', `${dataDir} is not writable by this user`);
  }
  return ok('data dir', `${dataDir} writable`);
}
