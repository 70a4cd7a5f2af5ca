import { execFile } from 'node:child_process';
import { SMARTDOOR_CLI } from './cloud-process.js';

/** What a run of the `smartdoor` binary printed, and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `smartdoor ...args` as a user does (node simulator/bin/smartdoor.js); never rejects. */
export function smartdoor(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMARTDOOR_CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
