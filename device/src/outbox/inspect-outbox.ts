import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { readLog } from './log-outbox.js';

export interface OutboxSnapshot {
  kind: 'sqlite' | 'log';
  path: string;
  depth: number;
  oldestSeq: number | undefined;
  oldestCreatedAt: number | undefined;
  nextSeq: number;
}

/**
 * Look into an outbox without writing to it, while the agent may be running: SQLite
 * opened read-only (WAL lets a reader run beside the writer), the log read as is.
 * Returns undefined when the file does not exist.
 */
export function inspectOutbox(path: string, kind: 'sqlite' | 'log'): OutboxSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  if (kind === 'log') {
    const log = readLog(path);
    const oldest = [...log.entries.values()].sort((a, b) => a.seq - b.seq)[0];
    return {
      kind,
      path,
      depth: log.entries.size,
      oldestSeq: oldest?.seq,
      oldestCreatedAt: oldest?.createdAt,
      nextSeq: log.nextSeq,
    };
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const count = db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number };
    const oldest = db.prepare('SELECT seq, created_at FROM outbox ORDER BY seq LIMIT 1').get() as
      | { seq: number; created_at: number }
      | undefined;
    const meta = db.prepare("SELECT value FROM meta WHERE name = 'next_seq'").get() as
      | { value: number }
      | undefined;
    return {
      kind,
      path,
      depth: count.n,
      oldestSeq: oldest?.seq,
      oldestCreatedAt: oldest?.created_at,
      nextSeq: meta?.value ?? 1,
    };
  } finally {
    db.close();
  }
}
