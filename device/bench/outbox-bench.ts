import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventFactory } from '../src/core/event-factory.js';
import { LogOutbox } from '../src/outbox/log-outbox.js';
import { SqliteOutbox } from '../src/outbox/sqlite-outbox.js';
import type { Outbox } from '../src/outbox/types.js';

export interface OutboxBenchResult {
  kind: 'sqlite' | 'log';
  appendsPerSecond: number;
  acksPerSecond: number;
  /** Bytes the process made the kernel write to storage per event (append + ack), from /proc/self/io. */
  bytesWrittenPerEvent: number | undefined;
}

function writeBytes(): number | undefined {
  try {
    const m = /write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Durable appends (each fsync'd) then acks, on a fresh outbox in a temp folder. */
export async function benchOutbox(kind: 'sqlite' | 'log', events: number): Promise<OutboxBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), `smartdoor-bench-${kind}-`));
  const outbox: Outbox =
    kind === 'sqlite' ? new SqliteOutbox(join(dir, 'outbox.db')) : new LogOutbox(join(dir, 'outbox.log'));
  const factory = new EventFactory({ thingName: 'door-bench' });
  try {
    await outbox.start();
    const bytesBefore = writeBytes();
    let t = performance.now();
    for (let i = 0; i < events; i++) {
      const state = i % 2 ? 'closed' : 'open';
      outbox.append(
        (seq) => factory.create({ type: 'door.state.changed', state }, seq, Date.now()),
        Date.now(),
      );
    }
    const appendMs = performance.now() - t;
    t = performance.now();
    for (let seq = 1; seq <= events; seq++) outbox.ack(seq);
    const ackMs = performance.now() - t;
    await outbox.stop();
    const bytesAfter = writeBytes();
    return {
      kind,
      appendsPerSecond: (events * 1000) / appendMs,
      acksPerSecond: (events * 1000) / ackMs,
      bytesWrittenPerEvent:
        bytesBefore === undefined || bytesAfter === undefined
          ? undefined
          : (bytesAfter - bytesBefore) / events,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
