import type { BusEvent } from '@smartdoor/shared';
import type { Database } from 'better-sqlite3';
import { SqliteStatements } from '../sqlite-statements.js';
import {
  type Archive,
  type Delivery,
  type EventBus,
  eventJson,
  type Replay,
  type Rule,
  type StoredEvent,
  type Target,
} from './model.js';
import type { EventsStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS eb_buses (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eb_rules (bus TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (bus, name));
CREATE TABLE IF NOT EXISTS eb_targets (bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (bus, rule, id));
CREATE TABLE IF NOT EXISTS eb_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, bus TEXT NOT NULL, id TEXT NOT NULL,
  ingested_at INTEGER NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS eb_events_time ON eb_events (bus, ingested_at);
CREATE TABLE IF NOT EXISTS eb_archives (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eb_archive_events (archive TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (archive, seq));
CREATE INDEX IF NOT EXISTS eb_archive_events_seq ON eb_archive_events (seq);
CREATE TABLE IF NOT EXISTS eb_deliveries (id TEXT PRIMARY KEY, next_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
  last_error TEXT, doc TEXT NOT NULL, target TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS eb_replays (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
`;

interface EventRow {
  seq: number;
  bus: string;
  ingested_at: number;
  event: string;
}
interface DeliveryRow {
  id: string;
  next_at: number;
  attempts: number;
  last_error: string | null;
  doc: string;
}

/**
 * The targets (ARNs) that have deliveries: a skip scan of the (target, next_at, id) index,
 * one seek per target, so it costs the number of targets, never a backlog's length.
 */
export const DELIVERY_TARGETS_SQL = `
WITH RECURSIVE targets(target) AS (
  SELECT (SELECT MIN(target) FROM eb_deliveries)
  UNION ALL
  SELECT (SELECT MIN(target) FROM eb_deliveries WHERE target > targets.target)
  FROM targets WHERE targets.target IS NOT NULL)
SELECT target FROM targets WHERE target IS NOT NULL`;

/**
 * A target's first `@perTarget` deliveries by next attempt (a range of the same index), the
 * document only of those due at `@now`. A statement per target measured faster than one
 * joined statement (whose `IN (… LIMIT)` builds a temporary table per target).
 */
export const TARGET_DELIVERIES_SQL = `
SELECT id, target, next_at, attempts, last_error, CASE WHEN next_at <= @now THEN doc END AS doc
FROM eb_deliveries WHERE target = @target ORDER BY next_at, id LIMIT @perTarget`;

const byNextAttempt = (a: DeliveryRow, b: DeliveryRow): number =>
  a.next_at - b.next_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const toStored = (r: EventRow): StoredEvent => ({
  seq: r.seq,
  busName: r.bus,
  ingestedAt: r.ingested_at,
  event: JSON.parse(r.event) as BusEvent,
});

const toDelivery = (r: DeliveryRow): Delivery => {
  const d = JSON.parse(r.doc) as Delivery;
  d.attempts = r.attempts;
  d.nextAttemptAt = r.next_at;
  if (r.last_error !== null) d.lastError = r.last_error;
  return d;
};

/** The first ingestion time an archive without a pattern holds: its creation, or its retention's start. */
function holdsFrom(archive: Archive, now: number): number {
  return archive.retentionDays > 0
    ? Math.max(archive.createdAt, now - archive.retentionDays * 86_400_000)
    : archive.createdAt;
}

/** The local EventBridge in SQLite (better-sqlite3). Takes a shared handle; the opener sets WAL. */
export class SqliteEventsStore implements EventsStore {
  constructor(db: Database) {
    this.#sql = new SqliteStatements(db);
    db.exec(SCHEMA);
    // Data folders of earlier versions: delivery rows without their target's column, and the
    // next_at index it replaces (one index either way, so a delivery costs no more writes).
    const columns = db.prepare('PRAGMA table_info(eb_deliveries)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'target')) {
      db.exec(`ALTER TABLE eb_deliveries ADD COLUMN target TEXT NOT NULL DEFAULT '';
        UPDATE eb_deliveries SET target = json_extract(doc, '$.target.arn');`);
    }
    db.exec(`DROP INDEX IF EXISTS eb_deliveries_next;
      CREATE INDEX IF NOT EXISTS eb_deliveries_target ON eb_deliveries (target, next_at, id);`);
    // Data folders of earlier versions recorded every event in archives without a pattern too.
    for (const archive of this.listArchives())
      if (archive.eventPattern === undefined)
        this.#sql.get('DELETE FROM eb_archive_events WHERE archive = ?').run(archive.name);
  }

  readonly #sql: SqliteStatements;

  /**
   * Buses, rules, targets and archives as last read, frozen: every event reads them, they
   * change rarely, and one service owns the file (see README). Any write of them, and any
   * failed transaction (which may have rolled one back), empties it.
   */
  readonly #config = new Map<string, unknown>();

  #cachedConfig<T>(key: string, load: () => T): T {
    if (this.#config.has(key)) return this.#config.get(key) as T;
    const value = deepFreeze(load());
    this.#config.set(key, value);
    return value;
  }

  #configChanged(): void {
    this.#config.clear();
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.#sql.transaction(fn);
    } catch (error) {
      this.#configChanged();
      throw error;
    }
  }

  putBus(bus: EventBus): void {
    this.#sql
      .get('INSERT OR REPLACE INTO eb_buses (name, doc) VALUES (?, ?)')
      .run(bus.name, JSON.stringify(bus));
    this.#configChanged();
  }
  getBus(name: string): EventBus | undefined {
    return this.#cachedConfig(`bus\0${name}`, () =>
      this.#doc<EventBus>('SELECT doc FROM eb_buses WHERE name = ?', name),
    );
  }
  listBuses(): EventBus[] {
    return this.#docs<EventBus>('SELECT doc FROM eb_buses ORDER BY name');
  }
  deleteBus(name: string): void {
    this.#sql.get('DELETE FROM eb_buses WHERE name = ?').run(name);
    this.#configChanged();
  }

  putRule(rule: Rule): void {
    this.#sql
      .get('INSERT OR REPLACE INTO eb_rules (bus, name, doc) VALUES (?, ?, ?)')
      .run(rule.busName, rule.name, JSON.stringify(rule));
    this.#configChanged();
  }
  getRule(busName: string, name: string): Rule | undefined {
    return this.#cachedConfig(`rule\0${busName}\0${name}`, () =>
      this.#doc<Rule>('SELECT doc FROM eb_rules WHERE bus = ? AND name = ?', busName, name),
    );
  }
  listRules(busName?: string): Rule[] {
    return busName === undefined
      ? this.#docs<Rule>('SELECT doc FROM eb_rules ORDER BY bus, name')
      : this.#docs<Rule>('SELECT doc FROM eb_rules WHERE bus = ? ORDER BY name', busName);
  }
  deleteRule(busName: string, name: string): void {
    this.#sql.get('DELETE FROM eb_rules WHERE bus = ? AND name = ?').run(busName, name);
    this.#configChanged();
  }

  putTarget(busName: string, ruleName: string, target: Target): void {
    this.#sql
      .get('INSERT OR REPLACE INTO eb_targets (bus, rule, id, doc) VALUES (?, ?, ?, ?)')
      .run(busName, ruleName, target.id, JSON.stringify(target));
    this.#configChanged();
  }
  listTargets(busName: string, ruleName: string): Target[] {
    return this.#cachedConfig(`targets\0${busName}\0${ruleName}`, () =>
      this.#docs<Target>(
        'SELECT doc FROM eb_targets WHERE bus = ? AND rule = ? ORDER BY id',
        busName,
        ruleName,
      ),
    );
  }
  removeTarget(busName: string, ruleName: string, id: string): boolean {
    this.#configChanged();
    return (
      this.#sql.get('DELETE FROM eb_targets WHERE bus = ? AND rule = ? AND id = ?').run(busName, ruleName, id)
        .changes > 0
    );
  }

  appendEvent(busName: string, event: BusEvent, ingestedAt: number): number {
    const info = this.#sql
      .get('INSERT INTO eb_events (bus, id, ingested_at, event) VALUES (?, ?, ?, ?)')
      .run(busName, event.id, ingestedAt, eventJson(event));
    return Number(info.lastInsertRowid);
  }
  listEvents(busName: string, from: number, to: number, limit: number, afterSeq = 0): StoredEvent[] {
    const rows = this.#sql
      .get(
        'SELECT * FROM eb_events WHERE bus = ? AND ingested_at >= ? AND ingested_at < ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .all(busName, from, to, afterSeq, limit) as EventRow[];
    return rows.map(toStored);
  }
  lastEventSeq(): number {
    // AUTOINCREMENT's own counter: never reused, even after the newest rows are deleted.
    const row = this.#sql.get("SELECT seq FROM sqlite_sequence WHERE name = 'eb_events'").get() as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }
  countEvents(busName?: string): number {
    const row = (
      busName === undefined
        ? this.#sql.get('SELECT COUNT(*) AS n FROM eb_events').get()
        : this.#sql.get('SELECT COUNT(*) AS n FROM eb_events WHERE bus = ?').get(busName)
    ) as { n: number };
    return row.n;
  }

  putArchive(archive: Archive): void {
    this.#sql
      .get('INSERT OR REPLACE INTO eb_archives (name, doc) VALUES (?, ?)')
      .run(archive.name, JSON.stringify(archive));
    this.#configChanged();
  }
  getArchive(name: string): Archive | undefined {
    return this.#cachedConfig(`archive\0${name}`, () =>
      this.#doc<Archive>('SELECT doc FROM eb_archives WHERE name = ?', name),
    );
  }
  listArchives(): Archive[] {
    return this.#cachedConfig('archives', () =>
      this.#docs<Archive>('SELECT doc FROM eb_archives ORDER BY name'),
    );
  }
  deleteArchive(name: string): void {
    this.#configChanged();
    this.#sql.get('DELETE FROM eb_archives WHERE name = ?').run(name);
    this.#sql.get('DELETE FROM eb_archive_events WHERE archive = ?').run(name);
  }
  addToArchive(archiveName: string, seq: number): void {
    this.#sql
      .get('INSERT OR IGNORE INTO eb_archive_events (archive, seq) VALUES (?, ?)')
      .run(archiveName, seq);
  }
  archivedEvents(
    archive: Archive,
    from: number,
    to: number,
    limit: number,
    afterSeq: number,
    now: number,
  ): StoredEvent[] {
    const rows = (
      archive.eventPattern === undefined
        ? // In seq order from afterSeq (NOT INDEXED: the time index would sort the whole range per batch).
          this.#sql
            .get(
              `SELECT * FROM eb_events NOT INDEXED WHERE seq > ? AND bus = ? AND ingested_at >= ?
               AND ingested_at < ? ORDER BY seq LIMIT ?`,
            )
            .all(
              Math.max(afterSeq, archive.createdAfterSeq ?? 0),
              archive.busName,
              Math.max(from, holdsFrom(archive, now)),
              to,
              limit,
            )
        : this.#sql
            .get(
              `SELECT e.* FROM eb_archive_events a JOIN eb_events e ON e.seq = a.seq
               WHERE a.archive = ? AND e.ingested_at >= ? AND e.ingested_at < ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
            )
            .all(archive.name, from, to, afterSeq, limit)
    ) as EventRow[];
    return rows.map(toStored);
  }
  archiveStats(archive: Archive, now: number): { eventCount: number; sizeBytes: number } {
    const row = (
      archive.eventPattern === undefined
        ? this.#sql
            .get(
              `SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(event)), 0) AS size FROM eb_events
               WHERE bus = ? AND ingested_at >= ? AND seq > ?`,
            )
            .get(archive.busName, holdsFrom(archive, now), archive.createdAfterSeq ?? 0)
        : this.#sql
            .get(
              `SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(e.event)), 0) AS size FROM eb_archive_events a
               JOIN eb_events e ON e.seq = a.seq WHERE a.archive = ?`,
            )
            .get(archive.name)
    ) as { n: number; size: number };
    return { eventCount: row.n, sizeBytes: row.size };
  }

  pruneArchive(archiveName: string, before: number): number {
    return this.#sql
      .get(
        `DELETE FROM eb_archive_events WHERE archive = ? AND seq IN
         (SELECT seq FROM eb_events WHERE ingested_at < ?)`,
      )
      .run(archiveName, before).changes;
  }

  pruneLog(busName: string, before: number, limit: number): number {
    // A batch at a time off the (bus, ingested_at) index: a first pass over a data folder
    // that kept everything may have millions to delete, which one statement would block on.
    return this.#sql
      .get(
        `DELETE FROM eb_events WHERE seq IN (SELECT seq FROM eb_events WHERE bus = ? AND ingested_at < ?
         AND NOT EXISTS (SELECT 1 FROM eb_archive_events a WHERE a.seq = eb_events.seq) LIMIT ?)`,
      )
      .run(busName, before, limit).changes;
  }

  recordHeldEvents(archive: Archive, now: number): number {
    return this.#sql
      .get(
        `INSERT OR IGNORE INTO eb_archive_events (archive, seq)
         SELECT ?, seq FROM eb_events WHERE bus = ? AND ingested_at >= ? AND seq > ?`,
      )
      .run(archive.name, archive.busName, holdsFrom(archive, now), archive.createdAfterSeq ?? 0).changes;
  }

  insertDelivery(d: Delivery): void {
    // `event: undefined` leaves the key out; the shared JSON goes in its place.
    const rest = JSON.stringify({ ...d, event: undefined });
    const doc = `${rest.slice(0, -1)},"event":${eventJson(d.event)}}`;
    this.#sql
      .get(
        'INSERT INTO eb_deliveries (id, next_at, attempts, last_error, doc, target) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(d.id, d.nextAttemptAt, d.attempts, d.lastError ?? null, doc, d.target.arn);
  }
  claimDeliveries(
    now: number,
    limit: number,
    inFlight: ReadonlyMap<string, string>,
    perTarget: number,
  ): { due: Delivery[]; nextAt: number | undefined } {
    const busy = new Map<string, number>();
    for (const target of inFlight.values()) busy.set(target, (busy.get(target) ?? 0) + 1);
    const targets = this.#sql.get(DELIVERY_TARGETS_SQL).pluck().all() as string[];
    const queues: DeliveryRow[][] = [];
    let nextAt: number | undefined;
    for (const target of targets) {
      let room = perTarget - (busy.get(target) ?? 0);
      if (room <= 0) continue;
      // Fewer than `perTarget` of its rows are in flight, so its first `perTarget` hold `room`
      // others if it has them: all it may start now and, with room left, its next attempt.
      const rows = this.#sql.get(TARGET_DELIVERIES_SQL).all({ now, target, perTarget }) as DeliveryRow[];
      const due: DeliveryRow[] = [];
      for (const r of rows) {
        if (room <= 0) break;
        if (inFlight.has(r.id)) continue;
        if (r.next_at > now) {
          if (nextAt === undefined || r.next_at < nextAt) nextAt = r.next_at;
          break;
        }
        due.push(r);
        room--;
      }
      if (due.length > 0) queues.push(due);
    }
    // In turns across targets, the target with the longest-waiting delivery first: a
    // backlog of one target cannot take the room of another's.
    queues.sort((a, b) => byNextAttempt(a[0]!, b[0]!));
    const due: Delivery[] = [];
    for (let turn = 0; due.length < limit; turn++) {
      let took = false;
      for (const q of queues) {
        const r = q[turn];
        if (r === undefined || due.length >= limit) continue;
        due.push(toDelivery(r));
        took = true;
      }
      if (!took) break;
    }
    const left = queues.reduce((n, q) => n + q.length, 0) > due.length;
    return { due, nextAt: left ? now : nextAt };
  }
  updateDelivery(id: string, attempts: number, nextAttemptAt: number, lastError: string): void {
    this.#sql
      .get('UPDATE eb_deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?')
      .run(attempts, nextAttemptAt, lastError, id);
  }
  deleteDelivery(id: string): void {
    this.#sql.get('DELETE FROM eb_deliveries WHERE id = ?').run(id);
  }
  pendingDeliveries(limit: number): Delivery[] {
    return (
      this.#sql.get('SELECT * FROM eb_deliveries ORDER BY next_at LIMIT ?').all(limit) as DeliveryRow[]
    ).map(toDelivery);
  }
  countPendingDeliveries(): number {
    return (this.#sql.get('SELECT COUNT(*) AS n FROM eb_deliveries').get() as { n: number }).n;
  }

  putReplay(replay: Replay): void {
    this.#sql
      .get('INSERT OR REPLACE INTO eb_replays (name, doc) VALUES (?, ?)')
      .run(replay.name, JSON.stringify(replay));
  }
  getReplay(name: string): Replay | undefined {
    return this.#doc<Replay>('SELECT doc FROM eb_replays WHERE name = ?', name);
  }
  listReplays(): Replay[] {
    return this.#docs<Replay>('SELECT doc FROM eb_replays ORDER BY name');
  }

  #doc<T>(sql: string, ...params: unknown[]): T | undefined {
    const row = this.#sql.get(sql).get(...params) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }
  #docs<T>(sql: string, ...params: unknown[]): T[] {
    return (this.#sql.get(sql).all(...params) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as T);
  }
}

/** Freeze a parsed document and everything in it: a cached one is shared by every reader. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
