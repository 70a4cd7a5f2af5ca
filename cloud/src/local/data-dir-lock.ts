import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file that says which process runs the local cloud on a data folder. */
export const LOCK_FILE = 'cloud.pid';

/** Another process (or another cloud in this one) runs on the data folder. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by another local cloud (pid ${pid}): stop it, or use another ` +
        `data folder (if pid ${pid} is no smartdoor, delete ${join(dataDir, LOCK_FILE)})`,
    );
  }
}

/**
 * One local cloud per data folder. Two on the same files would each receive and delete the
 * other's queue messages and journal entries, and both restore the same in-flight work after
 * a restart. A pid file, created only if absent (O_EXCL), claims the folder; one left by a
 * process that is gone (a crash, kill -9) is taken over. Returns the release function.
 * (A pid file rather than a lock library: the cloud may run in a worker thread, where
 * exit-hook libraries such as signal-exit do not apply; a stale file is told apart by its pid.)
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  const release = () => {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  };
  // Twice at most: the second try follows the removal of a stale file.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = readPid(file);
      if (pid !== undefined && isAlive(pid)) throw new DataDirInUseError(dataDir, pid);
      rmSync(file, { force: true });
    }
  }
  throw new DataDirInUseError(dataDir, readPid(file) ?? 0);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a process exists; EPERM means it does, under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
