import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A pid file that claims something on disk for one process: the local cloud's data folder,
 * a door's outbox. The one piece of I/O in this package, and not in its index (the
 * contract stays I/O-free): the agent and the cloud both need it and share nothing else.
 * A pid file rather than a lock library: the local cloud may run in a worker thread, where
 * exit-hook libraries (signal-exit) do not apply, and a file a crash left behind is told
 * apart by its pid.
 */

/** Another live process (or this one) holds the pid file. */
export class PidFileHeldError extends Error {
  override name = 'PidFileHeldError';
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`${file} is held by pid ${pid}`);
  }
}

/**
 * Claim `file` for this process: created only if absent (O_EXCL, mode 0600); one naming a
 * process that is gone (a crash, kill -9) or no pid at all is taken over. Throws
 * PidFileHeldError when a live process holds it. Returns the release, which removes the
 * file if it still names this process.
 */
export function claimPidFile(file: string): () => void {
  for (let attempt = 1; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readPid(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = readPid(file);
      // A second EEXIST means another process took the stale file first.
      if ((pid !== undefined && isProcessAlive(pid)) || attempt > 1)
        throw new PidFileHeldError(file, pid ?? 0);
      rmSync(file, { force: true });
    }
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process runs: signal 0 checks that it exists; EPERM means it does, under another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
