import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A pid file that claims something on disk for one process: the local cloud's data folder,
 * a door's outbox. The one piece of I/O in this package, and not in its index (the
 * contract stays I/O-free): the agent and the cloud both need it and share nothing else.
 * A pid file rather than a lock library: the local cloud may run in a worker thread, where
 * exit-hook libraries (signal-exit) do not apply, and a file a crash left behind is told
 * apart by its pid.
 *
 * A pid alone is not enough after a power cut: early in the next boot the old pid may
 * belong to another daemon, and the door's agent would refuse to start for ever. So the
 * file also names the boot and the process's start time, where Linux tells them
 * (`/proc/sys/kernel/random/boot_id`, `/proc/<pid>/stat`); a claim from another boot, or
 * whose pid now runs a process started at another time, is stale.
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

/** Who wrote a pid file: its pid, and where known, its boot and its start time. */
interface Holder {
  pid: number;
  boot?: string;
  started?: string;
}

/**
 * Claim `file` for this process: created only if absent (O_EXCL, mode 0600); one whose
 * holder is gone (a crash, kill -9, a reboot) or that names no pid is taken over. Throws
 * PidFileHeldError when a live process holds it. Returns the release, which removes the
 * file if it still names this process.
 */
export function claimPidFile(file: string): () => void {
  const me = holderOf(process.pid);
  for (let attempt = 1; ; attempt++) {
    try {
      writeFileSync(file, `${me.pid} ${me.boot ?? '-'} ${me.started ?? '-'}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const text = readProc(file);
      const holder = parseHolder(text);
      // Past a few rounds, other processes keep winning the file: one of them holds it.
      if ((holder && isHolding(holder)) || attempt > 3) throw new PidFileHeldError(file, holder?.pid ?? 0);
      removeIfStill(file, text);
    }
  }
}

/**
 * Remove the stale claim `file` held when it read `text`, and nothing newer. A plain
 * delete could remove a claim another process made in the meantime (two starts after a
 * crash both find the stale file; the second deletes the first's fresh claim and makes
 * its own, and both run). A rename moves one file only once: moved aside, the file is
 * checked, and a claim that is not the stale one is put back. Throws PidFileHeldError
 * when another process took the file over first.
 */
function removeIfStill(file: string, text: string | undefined): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    // Gone already: someone removed it (or released it); try to create it again.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readProc(aside);
  if (moved !== text) {
    // Another process's fresh claim: hand it back (link fails only if yet another
    // claim appeared in the moment between, which then holds the file).
    try {
      linkSync(aside, file);
    } catch {}
    rmSync(aside, { force: true });
    throw new PidFileHeldError(file, parseHolder(moved)?.pid ?? 0);
  }
  rmSync(aside, { force: true });
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

/** The holder still runs: same boot, its pid alive, and (where known) started when it was. */
function isHolding(holder: Holder): boolean {
  const now = holderOf(holder.pid);
  if (holder.boot && now.boot && holder.boot !== now.boot) return false;
  if (!isProcessAlive(holder.pid)) return false;
  return !(holder.started && now.started && holder.started !== now.started);
}

function holderOf(pid: number): Holder {
  const boot = readProc('/proc/sys/kernel/random/boot_id')?.trim();
  const stat = readProc(`/proc/${pid}/stat`);
  // Field 22, starttime: counted after the command name, which may hold spaces.
  const started = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return { pid, ...(boot ? { boot } : {}), ...(started ? { started } : {}) };
}

function readHolder(file: string): Holder | undefined {
  return parseHolder(readProc(file));
}

function parseHolder(text: string | undefined): Holder | undefined {
  const [pidText, boot, started] = (text ?? '').trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return {
    pid,
    ...(boot && boot !== '-' ? { boot } : {}),
    ...(started && started !== '-' ? { started } : {}),
  };
}

/** A file's text, or undefined where there is none (no /proc off Linux, a process gone). */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
