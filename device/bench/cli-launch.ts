import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestBroker } from '../../test/support/aedes-broker.js';
import { waitUntil } from '../../test/support/wait.js';

/** How node starts the CLI: the flags and the file, e.g. the bundle or bin/smartdoor-agent.js. */
export interface CliLaunch {
  nodeArgs: string[];
  entry: string;
}

export interface CliStart {
  /** Spawn to the first event at the broker (the door's state at start). */
  ms: number;
  /** RSS of the agent process once idle after that publish, from /proc (Linux). */
  rssBytes: number;
}

let runs = 0;

/**
 * `smartdoor-agent run` exactly as the systemd unit starts it, against the test broker,
 * with simulated inputs: the cold start and the idle RSS of what is deployed.
 */
export async function startCli(broker: TestBroker, launch: CliLaunch, settleMs = 1_000): Promise<CliStart> {
  const dir = mkdtempSync(join(tmpdir(), 'smartdoor-bench-cli-'));
  const thingName = `door-cli-${process.pid}-${++runs}`;
  const configPath = join(dir, 'agent.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      thingName,
      dataDir: join(dir, 'data'),
      mqtt: { endpoint: broker.url, transport: 'mqtt' },
      reedSwitch: { driver: 'simulated' },
      badgeReader: { enabled: false },
      logLevel: 'warn',
    }),
  );
  const topic = `smartdoor/${thingName}/events`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...launch.nodeArgs, launch.entry, 'run', '--config', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await waitUntil(
      () => {
        if (child.exitCode !== null)
          throw new Error(`agent exited ${child.exitCode}: ${stderr.slice(-2_000)}`);
        return broker.json(topic).length > 0;
      },
      'first publish',
      30_000,
    );
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, settleMs));
    return { ms, rssBytes: rssOf(child.pid!) };
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssOf(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
