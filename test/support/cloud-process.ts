/**
 * `smartdoor cloud` as a child process, as a developer or the simulator runs it: started
 * with every port 0, resolved on its one ready line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const SMARTDOOR_CLI = join(import.meta.dirname, '../../simulator/bin/smartdoor.js');

/** The ready line the cloud prints on stdout. */
export interface CloudReady {
  ready: true;
  mqtt?: string;
  mqtts: string;
  aws: string;
  dashboard: string;
  dataDir: string;
}

export interface CloudProcess {
  child: ChildProcess;
  ready: CloudReady;
  /** Every stdout line, the ready line first. */
  stdoutLines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the cloud on `dataDir` with free ports; rejects with its stderr if it never gets ready. */
export function startCloudProcess(
  dataDir: string,
  extra: string[] = [],
  { logLevel = 'warn', timeoutMs = 25_000 }: { logLevel?: string; timeoutMs?: number } = {},
): Promise<CloudProcess> {
  const ports = ['--mqtt-port', '0', '--mqtts-port', '0', '--aws-port', '0', '--http-port', '0'];
  const child = spawn(process.execPath, [SMARTDOOR_CLI, 'cloud', '--data-dir', dataDir, ...ports, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: logLevel },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line in ${timeoutMs} ms; stderr: ${stderr}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdoutLines.push(line);
      if (stdoutLines.length === 1) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line) as CloudReady, stdoutLines, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stderr: ${stderr}`));
    });
  });
}
