import type { Database, Statement } from 'better-sqlite3';
import type {
  BadgeRead,
  Claim,
  CorrelationStore,
  Opening,
  OpeningRef,
  Resolution,
} from './correlation-store.js';
import { OpeningNotFoundError } from './errors.js';

interface OpeningRow {
  key: string;
  thing: string;
  at_ms: number;
  resolution: string | null;
  claimed_by: string | null;
  done: number;
}

interface ReadRow {
  key: string;
  thing: string;
  at_ms: number;
  badge_ref: string;
}

/** The local correlation store, in the local cloud's SQLite file. */
export class SqliteCorrelationStore implements CorrelationStore {
  readonly #insertOpening: Statement<[string, string, number]>;
  readonly #getOpening: Statement<[string], OpeningRow>;
  readonly #insertRead: Statement<[string, string, number, string]>;
  readonly #readBefore: Statement<[string, number, number], ReadRow>;
  readonly #readAfter: Statement<[string, number, number], ReadRow>;
  readonly #open: Statement<[string, number, number], OpeningRow>;
  readonly #claim: Statement<[string, string, string]>;
  readonly #done: Statement<[string]>;
  readonly #purgeOpenings: Statement<[number]>;
  readonly #purgeReads: Statement<[number]>;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS identification_openings (
        key TEXT PRIMARY KEY, thing TEXT NOT NULL, at_ms INTEGER NOT NULL,
        resolution TEXT, claimed_by TEXT, done INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS identification_openings_door ON identification_openings (thing, at_ms);
      -- Open openings only: a busy door's settled ones are not scanned on every badge read.
      CREATE INDEX IF NOT EXISTS identification_openings_open ON identification_openings (thing, at_ms) WHERE done = 0;
      CREATE TABLE IF NOT EXISTS identification_badge_reads (
        key TEXT PRIMARY KEY, thing TEXT NOT NULL, at_ms INTEGER NOT NULL, badge_ref TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS identification_badge_reads_door ON identification_badge_reads (thing, at_ms);`);
    this.#insertOpening = db.prepare(
      'INSERT OR IGNORE INTO identification_openings (key, thing, at_ms) VALUES (?, ?, ?)',
    );
    this.#getOpening = db.prepare('SELECT * FROM identification_openings WHERE key = ?');
    this.#insertRead = db.prepare(
      'INSERT OR IGNORE INTO identification_badge_reads (key, thing, at_ms, badge_ref) VALUES (?, ?, ?, ?)',
    );
    // LIMIT 1 on the (thing, at_ms) index: a busy door's reads in the window are not all read.
    this.#readBefore = db.prepare(
      'SELECT * FROM identification_badge_reads WHERE thing = ? AND at_ms <= ? AND at_ms >= ? ORDER BY at_ms DESC LIMIT 1',
    );
    this.#readAfter = db.prepare(
      'SELECT * FROM identification_badge_reads WHERE thing = ? AND at_ms > ? AND at_ms <= ? ORDER BY at_ms LIMIT 1',
    );
    this.#open = db.prepare(
      'SELECT * FROM identification_openings WHERE thing = ? AND at_ms >= ? AND at_ms <= ? AND done = 0 ORDER BY at_ms, key',
    );
    // The conditional write: only the first resolution sticks.
    this.#claim = db.prepare(
      'UPDATE identification_openings SET resolution = ?, claimed_by = ? WHERE key = ? AND resolution IS NULL',
    );
    this.#done = db.prepare('UPDATE identification_openings SET done = 1 WHERE key = ?');
    this.#purgeOpenings = db.prepare('DELETE FROM identification_openings WHERE at_ms < ?');
    this.#purgeReads = db.prepare('DELETE FROM identification_badge_reads WHERE at_ms < ?');
  }

  async putOpening(ref: OpeningRef): Promise<Opening> {
    this.#insertOpening.run(ref.key, ref.thingName, ref.atMs);
    return toOpening(this.#getOpening.get(ref.key)!);
  }

  async putBadgeRead(read: BadgeRead): Promise<void> {
    this.#insertRead.run(read.key, read.thingName, read.atMs, read.badgeRef);
  }

  async getOpening(ref: OpeningRef): Promise<Opening | undefined> {
    const row = this.#getOpening.get(ref.key);
    return row && toOpening(row);
  }

  async nearestBadgeReads(thingName: string, atMs: number, windowMs: number): Promise<BadgeRead[]> {
    const rows = [
      this.#readBefore.get(thingName, atMs, atMs - windowMs),
      this.#readAfter.get(thingName, atMs, atMs + windowMs),
    ];
    return rows
      .filter((r) => r !== undefined)
      .map((r) => ({ key: r.key, thingName: r.thing, atMs: r.at_ms, badgeRef: r.badge_ref }));
  }

  async findOpenOpenings(thingName: string, fromMs: number, toMs: number): Promise<Opening[]> {
    return this.#open.all(thingName, fromMs, toMs).map(toOpening);
  }

  async claimOpening(ref: OpeningRef, resolution: Resolution, claimant: string): Promise<Claim> {
    this.#claim.run(JSON.stringify(resolution), claimant, ref.key);
    const row = this.#getOpening.get(ref.key);
    if (!row?.resolution) throw new OpeningNotFoundError(ref.key);
    return { resolution: JSON.parse(row.resolution) as Resolution, claimedBy: row.claimed_by ?? '' };
  }

  async markDone(ref: OpeningRef): Promise<void> {
    this.#done.run(ref.key);
  }

  async purgeBefore(atMs: number): Promise<number> {
    return this.#purgeOpenings.run(atMs).changes + this.#purgeReads.run(atMs).changes;
  }
}

function toOpening(row: OpeningRow): Opening {
  const opening: Opening = { key: row.key, thingName: row.thing, atMs: row.at_ms, done: row.done === 1 };
  if (row.resolution !== null) opening.resolution = JSON.parse(row.resolution) as Resolution;
  if (row.claimed_by !== null) opening.claimedBy = row.claimed_by;
  return opening;
}
