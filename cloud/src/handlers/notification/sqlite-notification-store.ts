import type { Database, Statement } from 'better-sqlite3';
import { NotificationConfigError } from './errors.js';
import type { CollapseWindow, JoinResult, NotificationStore } from './notification-store.js';

/** Options of {@link SqliteNotificationStore}. */
export interface SqliteNotificationStoreOptions {
  /**
   * How long state is kept after its last write (a collapse window: after it ends) before
   * {@link SqliteNotificationStore.purgeExpired} removes it, as the DynamoDB store's TTL does.
   * @default 86400
   */
  retentionSeconds?: number;
  /** The clock deliveries and presence are stamped with and the purge compares to. @default Date.now */
  now?: () => number;
}

interface WindowRow {
  window_id: string;
  thing: string;
  reason: string;
  subject: string;
  leader_key: string;
  started_at: number;
  ends_at: number;
}

interface PresenceRow {
  thing: string;
  connected_at: number | null;
  disconnected_at: number | null;
  disconnect_key: string | null;
}

/**
 * The notification subscriber's state in the local cloud's SQLite file. Nothing expires on
 * its own: call {@link purgeExpired} now and then (the local subscribers do it hourly).
 */
export class SqliteNotificationStore implements NotificationStore {
  readonly #now: () => number;
  readonly #retentionMs: number;
  readonly #join: (input: Parameters<NotificationStore['joinWindow']>[0]) => JoinResult;
  readonly #window: Statement<[string], WindowRow>;
  readonly #members: Statement<[string], { n: number }>;
  readonly #delivered: Statement<[string], { channel: string }>;
  readonly #markDelivered: Statement<[{ id: string; channel: string; exp: number }]>;
  readonly #renewDelivered: Statement<[number, string]>;
  readonly #presence: Statement<[string], PresenceRow>;
  readonly #connected: Statement<[{ thing: string; at: number; exp: number }]>;
  readonly #disconnected: (thing: string, atMs: number, key: string) => boolean;
  readonly #purge: (nowMs: number) => number;

  constructor(db: Database, options: SqliteNotificationStoreOptions = {}) {
    const retentionSeconds = options.retentionSeconds ?? 86_400;
    if (!(Number.isFinite(retentionSeconds) && retentionSeconds > 0)) {
      throw new NotificationConfigError(
        `retentionSeconds must be a positive number of seconds, got ${retentionSeconds}`,
      );
    }
    this.#retentionMs = retentionSeconds * 1000;
    this.#now = options.now ?? Date.now;
    db.exec(`CREATE TABLE IF NOT EXISTS notification_windows (
        window_id TEXT PRIMARY KEY, thing TEXT NOT NULL, reason TEXT NOT NULL, subject TEXT NOT NULL,
        leader_key TEXT NOT NULL, started_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS notification_windows_open ON notification_windows (thing, reason, ends_at);
      CREATE TABLE IF NOT EXISTS notification_window_members (
        window_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (window_id, key));
      CREATE TABLE IF NOT EXISTS notification_deliveries (
        notification_id TEXT NOT NULL, channel TEXT NOT NULL, expires_at INTEGER NOT NULL,
        PRIMARY KEY (notification_id, channel));
      CREATE TABLE IF NOT EXISTS notification_presence (
        thing TEXT PRIMARY KEY, connected_at INTEGER, disconnected_at INTEGER, disconnect_key TEXT,
        expires_at INTEGER NOT NULL);`);
    this.#addExpiry(db, 'notification_deliveries');
    this.#addExpiry(db, 'notification_presence');
    const openWindow = db.prepare<[string, string, number], WindowRow>(
      'SELECT * FROM notification_windows WHERE thing = ? AND reason = ? AND ends_at > ? ORDER BY started_at DESC LIMIT 1',
    );
    const insertWindow = db.prepare<[WindowRow]>(
      `INSERT OR IGNORE INTO notification_windows (window_id, thing, reason, subject, leader_key, started_at, ends_at)
       VALUES (@window_id, @thing, @reason, @subject, @leader_key, @started_at, @ends_at)`,
    );
    const addMember = db.prepare<[string, string]>(
      'INSERT OR IGNORE INTO notification_window_members (window_id, key) VALUES (?, ?)',
    );
    this.#window = db.prepare('SELECT * FROM notification_windows WHERE window_id = ?');
    this.#members = db.prepare('SELECT COUNT(*) AS n FROM notification_window_members WHERE window_id = ?');
    const join = db.transaction((input: Parameters<NotificationStore['joinWindow']>[0]): JoinResult => {
      const open = openWindow.get(input.thingName, input.reason, input.nowMs);
      if (open && open.leader_key !== input.key) {
        addMember.run(open.window_id, input.key);
        return { role: 'member', window: toWindow(open), repeats: this.#members.get(open.window_id)!.n };
      }
      if (open) return { role: 'leader', window: toWindow(open) };
      insertWindow.run({
        window_id: input.windowId,
        thing: input.thingName,
        reason: input.reason,
        subject: input.subject,
        leader_key: input.key,
        started_at: input.nowMs,
        ends_at: input.nowMs + input.windowMs,
      });
      return { role: 'leader', window: toWindow(this.#window.get(input.windowId)!) };
    });
    this.#join = (input) => join.immediate(input);
    this.#delivered = db.prepare(
      'SELECT channel FROM notification_deliveries WHERE notification_id = ? ORDER BY channel',
    );
    // One DynamoDB item per notification holds all its channels, and each mark renews the
    // item's TTL: every row of the notification is renewed, so none expires before the rest.
    this.#markDelivered = db.prepare<[{ id: string; channel: string; exp: number }]>(
      `INSERT OR IGNORE INTO notification_deliveries (notification_id, channel, expires_at)
       VALUES (@id, @channel, @exp)`,
    );
    this.#renewDelivered = db.prepare<[number, string]>(
      'UPDATE notification_deliveries SET expires_at = ? WHERE notification_id = ?',
    );
    this.#presence = db.prepare('SELECT * FROM notification_presence WHERE thing = ?');
    // The expiry is renewed only by a write that changes the record, as the DynamoDB
    // store's conditional updates do.
    this.#connected = db.prepare(
      `INSERT INTO notification_presence (thing, connected_at, expires_at) VALUES (@thing, @at, @exp)
       ON CONFLICT (thing) DO UPDATE SET connected_at = @at, expires_at = @exp
       WHERE connected_at IS NULL OR connected_at < @at`,
    );
    const setDisconnected = db.prepare<[{ thing: string; at: number; key: string; exp: number }]>(
      `INSERT INTO notification_presence (thing, disconnected_at, disconnect_key, expires_at)
       VALUES (@thing, @at, @key, @exp)
       ON CONFLICT (thing) DO UPDATE SET disconnected_at = @at, disconnect_key = @key, expires_at = @exp
       WHERE disconnected_at IS NULL OR disconnected_at <= @at`,
    );
    const disconnected = db.transaction((thing: string, atMs: number, key: string): boolean => {
      const p = this.#presence.get(thing);
      if (p?.connected_at != null && p.connected_at >= atMs) return false;
      setDisconnected.run({ thing, at: atMs, key, exp: this.#expiry() });
      return true;
    });
    this.#disconnected = (thing, atMs, key) => disconnected.immediate(thing, atMs, key);

    // What each table may lose, and when:
    // - A collapse window is kept until `retention` after it ends (not after it opened, as
    //   the DynamoDB store's TTL counts): an open window is never lost, and its Window
    //   Closed check, due when it ends, and leader retries have the full retention to find
    //   it. Every member joined while it was open, so its last write is no later than that.
    // - Members go with their window (DynamoDB keeps them in the window's item).
    // - Deliveries and presence: `retention` after their last write, as with the TTL. A
    //   pending offline check reads presence one grace period after its disconnect was
    //   written, so the grace must stay below the retention (the local subscribers add it).
    const purgeMembers = db.prepare<[number]>(
      `DELETE FROM notification_window_members WHERE window_id IN
       (SELECT window_id FROM notification_windows WHERE ends_at < ?)`,
    );
    const purgeWindows = db.prepare<[number]>('DELETE FROM notification_windows WHERE ends_at < ?');
    const purgeDeliveries = db.prepare<[number]>('DELETE FROM notification_deliveries WHERE expires_at < ?');
    const purgePresence = db.prepare<[number]>('DELETE FROM notification_presence WHERE expires_at < ?');
    const purge = db.transaction(
      (nowMs: number): number =>
        purgeMembers.run(nowMs - this.#retentionMs).changes +
        purgeWindows.run(nowMs - this.#retentionMs).changes +
        purgeDeliveries.run(nowMs).changes +
        purgePresence.run(nowMs).changes,
    );
    this.#purge = (nowMs) => purge.immediate(nowMs);
  }

  /**
   * Remove the state that has expired by the store's clock (the local stand-in for the
   * DynamoDB store's TTL), and return how many rows went.
   */
  purgeExpired(): number {
    return this.#purge(this.#now());
  }

  async joinWindow(input: Parameters<NotificationStore['joinWindow']>[0]): Promise<JoinResult> {
    return this.#join(input);
  }

  async getWindow(windowId: string) {
    const row = this.#window.get(windowId);
    return row && { window: toWindow(row), repeats: this.#members.get(windowId)!.n };
  }

  async deliveredChannels(notificationId: string): Promise<string[]> {
    return this.#delivered.all(notificationId).map((r) => r.channel);
  }

  async markDelivered(notificationId: string, channel: string): Promise<void> {
    const exp = this.#expiry();
    this.#markDelivered.run({ id: notificationId, channel, exp });
    this.#renewDelivered.run(exp, notificationId);
  }

  async recordConnected(thingName: string, atMs: number): Promise<void> {
    this.#connected.run({ thing: thingName, at: atMs, exp: this.#expiry() });
  }

  async recordDisconnected(thingName: string, atMs: number, key: string): Promise<boolean> {
    return this.#disconnected(thingName, atMs, key);
  }

  async isStillOffline(thingName: string, disconnectKey: string): Promise<boolean> {
    const p = this.#presence.get(thingName);
    if (!p || p.disconnect_key !== disconnectKey || p.disconnected_at === null) return false;
    return p.connected_at === null || p.connected_at < p.disconnected_at;
  }

  #expiry(): number {
    return this.#now() + this.#retentionMs;
  }

  /**
   * Data folders of earlier versions have the table without its expiry: its rows, of
   * unknown age, get a full retention from now.
   */
  #addExpiry(db: Database, table: 'notification_deliveries' | 'notification_presence'): void {
    const hasExpiry = () =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some(
        (c) => c.name === 'expires_at',
      );
    if (hasExpiry()) return;
    // Checked again under the write lock: another process may be opening the file too.
    db.transaction(() => {
      if (hasExpiry()) return;
      db.exec(`ALTER TABLE ${table} ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0`);
      db.prepare(`UPDATE ${table} SET expires_at = ?`).run(this.#expiry());
    }).immediate();
  }
}

function toWindow(row: WindowRow): CollapseWindow {
  return {
    windowId: row.window_id,
    thingName: row.thing,
    reason: row.reason,
    subject: row.subject,
    leaderKey: row.leader_key,
    startedAtMs: row.started_at,
    endsAtMs: row.ends_at,
  };
}
