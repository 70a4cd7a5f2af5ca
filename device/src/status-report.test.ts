import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OutboxKind, outboxPath } from './agent-factory.js';
import { EventFactory } from './core/event-factory.js';
import { LogOutbox } from './outbox/log-outbox.js';
import { SqliteOutbox } from './outbox/sqlite-outbox.js';
import { statusFilePath, writeStatusFile } from './status-file.js';
import { buildStatusReport, formatStatusReport } from './status-report.js';
import type { AgentStatus } from './status-types.js';

describe('Function: buildStatusReport', () => {
  const factory = new EventFactory({ thingName: 'door-001' });
  let dir: string;
  let config: AgentConfig;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-status-'));
    config = parseAgentConfig({
      thingName: 'door-001',
      dataDir: dir,
      mqtt: { endpoint: 'mqtt://127.0.0.1:1' },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fill = async (kind: OutboxKind, count: number) => {
    const path = outboxPath(dir, kind);
    const outbox = kind === 'sqlite' ? new SqliteOutbox(path) : new LogOutbox(path);
    await outbox.start();
    for (let i = 0; i < count; i++) {
      outbox.append((seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0), 0);
    }
    await outbox.stop();
  };
  const status = (outboxFile?: string) =>
    ({
      thingName: 'door-001',
      pid: 999_999_999,
      running: false,
      updatedAt: '2026-01-01T00:00:00.000Z',
      outboxFile,
    }) as AgentStatus;

  it('looks into the outbox the status file names, though the other kind exists too', async () => {
    // Prepare: a log left from before a switch to SQLite
    await fill('log', 2);
    await fill('sqlite', 5);
    writeStatusFile(statusFilePath(dir), status(outboxPath(dir, 'sqlite')));
    // Act
    const report = buildStatusReport(config);
    // Assess
    expect(report.outbox).toMatchObject({ kind: 'sqlite', path: outboxPath(dir, 'sqlite'), depth: 5 });
  });

  it('without a named outbox, looks into the one written last', async () => {
    // Prepare
    await fill('log', 2);
    await fill('sqlite', 5);
    const old = new Date('2025-01-01T00:00:00Z');
    for (const f of [outboxPath(dir, 'log'), outboxPath(dir, 'sqlite')]) utimesSync(f, old, old);
    utimesSync(outboxPath(dir, 'sqlite'), new Date(), new Date());
    writeStatusFile(statusFilePath(dir), status());
    // Act
    const report = buildStatusReport(config);
    // Assess
    expect(report.outbox).toMatchObject({ kind: 'sqlite', depth: 5 });
  });

  it.each([
    ['empty', '', /is empty; shown as missing/],
    ['garbled', '{"thingName": "door-0', /is not valid: .*; shown as missing/],
    ['not an object', 'null', /is not valid: not an object; shown as missing/],
  ])('treats an %s status file as missing, says which file, and still shows the outbox', async (_, text, why) => {
    // Prepare
    await fill('log', 3);
    writeFileSync(statusFilePath(dir), text);
    // Act
    const report = buildStatusReport(config);
    const printed = formatStatusReport(report);
    // Assess
    expect(report.outbox).toMatchObject({ kind: 'log', depth: 3 });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain(statusFilePath(dir));
    expect(report.warnings[0]).toMatch(why);
    expect(printed).toMatch(/^outbox +3 waiting/m);
    expect(printed).toMatch(/^status file +unreadable/m);
    expect(printed).toContain(`warning         status file ${statusFilePath(dir)}`);
  });

  it('has no warning when there is no status file yet', async () => {
    // Prepare + Act
    const report = buildStatusReport(config);
    // Assess
    expect(report.warnings).toEqual([]);
    expect(formatStatusReport(report)).toMatch(/^status file +none \(agent never ran here\)$/m);
  });
});
