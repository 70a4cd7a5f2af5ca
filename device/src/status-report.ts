import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentConfig } from '@smartdoor/shared';
import { isProcessAlive } from '@smartdoor/shared/pid-file';
import { DEFAULT_OUTBOX_KIND, type OutboxKind, outboxPath } from './agent-factory.js';
import { inspectOutbox, type OutboxSnapshot } from './outbox/inspect-outbox.js';
import { readStatusFile, statusFilePath } from './status-file.js';
import type { AgentStatus } from './status-types.js';

/** What `smartdoor-agent status` shows: the status file plus a fresh look at the outbox. */
export interface StatusReport {
  thingName: string;
  /** The agent process from the status file is alive. */
  running: boolean;
  pid: number | undefined;
  connection: string;
  transport: string | undefined;
  statusUpdatedAt: string | undefined;
  /** The status file exists but could not be read (see warnings). */
  statusFileUnreadable: boolean;
  lastPubackAt: string | undefined;
  outbox: OutboxSnapshot | undefined;
  oldestPendingAgeSeconds: number | undefined;
  counters: AgentStatus['counters'] | undefined;
  /** What could not be read (e.g. a garbled status file), one readable line each. */
  warnings: string[];
}

export function buildStatusReport(config: AgentConfig, now = Date.now()): StatusReport {
  const warnings: string[] = [];
  const status = readStatusFile(statusFilePath(config.dataDir), (w) => warnings.push(w));
  const kind = outboxInUse(config.dataDir, status?.outboxFile);
  const outbox = kind ? inspectOutbox(outboxPath(config.dataDir, kind), kind) : undefined;
  const running = status?.running === true && isProcessAlive(status.pid);
  return {
    thingName: config.thingName,
    running,
    pid: status?.pid,
    connection: running ? (status?.connection ?? 'unknown') : 'disconnected (agent not running)',
    transport: status?.transport,
    statusUpdatedAt: status?.updatedAt,
    statusFileUnreadable: warnings.length > 0,
    lastPubackAt: status?.lastPubackAt,
    outbox,
    oldestPendingAgeSeconds:
      outbox?.oldestCreatedAt === undefined
        ? undefined
        : Math.max(0, Math.round((now - outbox.oldestCreatedAt) / 1000)),
    counters: status?.counters,
    warnings,
  };
}

/**
 * The outbox the agent uses: the one its status file names; without one (an older agent,
 * an unreadable status file), the one written last, since both may exist after a switch.
 */
function outboxInUse(dataDir: string, named: string | undefined): OutboxKind | undefined {
  const kinds: OutboxKind[] = [DEFAULT_OUTBOX_KIND, DEFAULT_OUTBOX_KIND === 'sqlite' ? 'log' : 'sqlite'];
  const byName = kinds.find((k) => named !== undefined && resolve(named) === resolve(outboxPath(dataDir, k)));
  if (byName) return byName;
  const lastWritten = (k: OutboxKind) => {
    const path = outboxPath(dataDir, k);
    // SQLite's appends go to the -wal file until a checkpoint.
    const files = k === 'sqlite' ? [path, `${path}-wal`] : [path];
    return Math.max(...files.map((f) => (existsSync(f) ? statSync(f).mtimeMs : -1)));
  };
  const found = kinds.filter((k) => existsSync(outboxPath(dataDir, k)));
  return found.sort((a, b) => lastWritten(b) - lastWritten(a))[0];
}

export function formatStatusReport(r: StatusReport): string {
  const rows: Array<[string, string]> = [
    ['thing', r.thingName],
    ['agent', r.running ? `running (pid ${r.pid})` : 'not running'],
    ['connection', r.running && r.transport ? `${r.connection} (${r.transport})` : r.connection],
    [
      'outbox',
      r.outbox
        ? `${r.outbox.depth} waiting, next seq ${r.outbox.nextSeq} (${r.outbox.kind}: ${r.outbox.path})`
        : 'none yet',
    ],
    [
      'oldest pending',
      r.outbox?.oldestSeq === undefined
        ? '-'
        : `seq ${r.outbox.oldestSeq}, ${r.oldestPendingAgeSeconds} s old (${new Date(r.outbox.oldestCreatedAt!).toISOString()})`,
    ],
    ['last PUBACK', r.lastPubackAt ?? 'never'],
    [
      'status file',
      r.statusUpdatedAt
        ? `updated ${r.statusUpdatedAt}`
        : r.statusFileUnreadable
          ? 'unreadable (see the warning)'
          : 'none (agent never ran here)',
    ],
  ];
  if (r.counters) {
    rows.push([
      'counters',
      Object.entries(r.counters)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
  }
  for (const w of r.warnings) rows.push(['warning', w]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
