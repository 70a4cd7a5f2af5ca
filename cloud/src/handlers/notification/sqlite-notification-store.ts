import type { Database, Statement } from 'better-sqlite3';
import type { CollapseWindow, JoinResult, NotificationStore } from './notification-store.js';

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

/** The notification subscriber's state in the local cloud's SQLite file. */
export class SqliteNotificationStore implements NotificationStore {
  readonly #join: (input: Parameters<NotificationStore['joinWindow']>[0]) => JoinResult;
  readonly #window: Statement<[string], WindowRow>;
  readonly #members: Statement<[string], { n: number }>;
  readonly #delivered: Statement<[string], { channel: string }>;
  readonly #markDelivered: Statement<[string, string]>;
  readonly #presence: Statement<[string], PresenceRow>;
  readonly #connected: Statement<[{ thing: string; at: number }]>;
  readonly #disconnected: (thing: string, atMs: number, key: string) => boolean;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS notification_windows (
        window_id TEXT PRIMARY KEY, thing TEXT NOT NULL, reason TEXT NOT NULL, subject TEXT NOT NULL,
        leader_key TEXT NOT NULL, started_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS notification_windows_open ON notification_windows (thing, reason, ends_at);
      CREATE TABLE IF NOT EXISTS notification_window_members (
        window_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (window_id, key));
      CREATE TABLE IF NOT EXISTS notification_deliveries (
        notification_id TEXT NOT NULL, channel TEXT NOT NULL, PRIMARY KEY (notification_id, channel));
      CREATE TABLE IF NOT EXISTS notification_presence (
        thing TEXT PRIMARY KEY, connected_at INTEGER, disconnected_at INTEGER, disconnect_key TEXT);`);
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
    this.#markDelivered = db.prepare(
      'INSERT OR IGNORE INTO notification_deliveries (notification_id, channel) VALUES (?, ?)',
    );
    this.#presence = db.prepare('SELECT * FROM notification_presence WHERE thing = ?');
    this.#connected = db.prepare(
      `INSERT INTO notification_presence (thing, connected_at) VALUES (@thing, @at)
       ON CONFLICT (thing) DO UPDATE SET connected_at = MAX(COALESCE(connected_at, 0), @at)`,
    );
    const setDisconnected = db.prepare<[{ thing: string; at: number; key: string }]>(
      `INSERT INTO notification_presence (thing, disconnected_at, disconnect_key) VALUES (@thing, @at, @key)
       ON CONFLICT (thing) DO UPDATE SET disconnected_at = @at, disconnect_key = @key
       WHERE disconnected_at IS NULL OR disconnected_at <= @at`,
    );
    const disconnected = db.transaction((thing: string, atMs: number, key: string): boolean => {
      const p = this.#presence.get(thing);
      if (p?.connected_at != null && p.connected_at >= atMs) return false;
      setDisconnected.run({ thing, at: atMs, key });
      return true;
    });
    this.#disconnected = (thing, atMs, key) => disconnected.immediate(thing, atMs, key);
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
    this.#markDelivered.run(notificationId, channel);
  }

  async recordConnected(thingName: string, atMs: number): Promise<void> {
    this.#connected.run({ thing: thingName, at: atMs });
  }

  async recordDisconnected(thingName: string, atMs: number, key: string): Promise<boolean> {
    return this.#disconnected(thingName, atMs, key);
  }

  async isStillOffline(thingName: string, disconnectKey: string): Promise<boolean> {
    const p = this.#presence.get(thingName);
    if (!p || p.disconnect_key !== disconnectKey || p.disconnected_at === null) return false;
    return p.connected_at === null || p.connected_at < p.disconnected_at;
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
