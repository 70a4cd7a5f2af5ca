/** A collapse window: repeats of one reason at one door within it make one notification. */
export interface CollapseWindow {
  windowId: string;
  thingName: string;
  reason: string;
  subject: string;
  /** The key of the alert that opened the window (and was notified). */
  leaderKey: string;
  startedAtMs: number;
  endsAtMs: number;
}

export type JoinResult =
  | { role: 'leader'; window: CollapseWindow }
  | { role: 'member'; window: CollapseWindow; repeats: number };

/**
 * The notification subscriber's state (SQLite locally, DynamoDB on AWS): collapse windows,
 * per-channel deliveries (so a retry re-sends only what failed), and door presence for
 * the offline grace period.
 */
export interface NotificationStore {
  /**
   * Join the open window for this door and reason, or open one. The alert that opened a
   * window is its leader (also on a retry of that alert); others are members, counted
   * once per key.
   */
  joinWindow(input: {
    thingName: string;
    reason: string;
    subject: string;
    key: string;
    windowId: string;
    nowMs: number;
    windowMs: number;
  }): Promise<JoinResult>;
  /** The window and how many repeats it collapsed; undefined when unknown. */
  getWindow(windowId: string): Promise<{ window: CollapseWindow; repeats: number } | undefined>;
  deliveredChannels(notificationId: string): Promise<string[]>;
  markDelivered(notificationId: string, channel: string): Promise<void>;
  recordConnected(thingName: string, atMs: number): Promise<void>;
  /** Record a disconnect; false when a later connect is already known (nothing to wait for). */
  recordDisconnected(thingName: string, atMs: number, key: string): Promise<boolean>;
  /** True when this disconnect is still the door's latest presence news. */
  isStillOffline(thingName: string, disconnectKey: string): Promise<boolean>;
}

interface Presence {
  connectedAtMs?: number;
  disconnectedAtMs?: number;
  disconnectKey?: string;
}

export class MemoryNotificationStore implements NotificationStore {
  readonly #windows = new Map<string, CollapseWindow & { members: Set<string> }>();
  readonly #deliveries = new Map<string, Set<string>>();
  readonly #presence = new Map<string, Presence>();

  async joinWindow(input: Parameters<NotificationStore['joinWindow']>[0]): Promise<JoinResult> {
    const open = [...this.#windows.values()].find(
      (w) => w.thingName === input.thingName && w.reason === input.reason && w.endsAtMs > input.nowMs,
    );
    if (open && open.leaderKey !== input.key) {
      open.members.add(input.key);
      return { role: 'member', window: strip(open), repeats: open.members.size };
    }
    if (open) return { role: 'leader', window: strip(open) };
    // A leader retried after its window ended keeps that window: its Window Closed check
    // has run, so a window reopened under the same id would never be summarised.
    const led = this.#windows.get(input.windowId);
    if (led) return { role: 'leader', window: strip(led) };
    const w = {
      windowId: input.windowId,
      thingName: input.thingName,
      reason: input.reason,
      subject: input.subject,
      leaderKey: input.key,
      startedAtMs: input.nowMs,
      endsAtMs: input.nowMs + input.windowMs,
      members: new Set<string>(),
    };
    this.#windows.set(w.windowId, w);
    return { role: 'leader', window: strip(w) };
  }

  async getWindow(windowId: string) {
    const w = this.#windows.get(windowId);
    return w && { window: strip(w), repeats: w.members.size };
  }

  async deliveredChannels(notificationId: string): Promise<string[]> {
    return [...(this.#deliveries.get(notificationId) ?? [])].sort();
  }

  async markDelivered(notificationId: string, channel: string): Promise<void> {
    const set = this.#deliveries.get(notificationId) ?? new Set<string>();
    set.add(channel);
    this.#deliveries.set(notificationId, set);
  }

  async recordConnected(thingName: string, atMs: number): Promise<void> {
    const p = this.#presence.get(thingName) ?? {};
    p.connectedAtMs = Math.max(p.connectedAtMs ?? 0, atMs);
    this.#presence.set(thingName, p);
  }

  async recordDisconnected(thingName: string, atMs: number, key: string): Promise<boolean> {
    const p = this.#presence.get(thingName) ?? {};
    if (p.connectedAtMs !== undefined && p.connectedAtMs >= atMs) return false;
    if (p.disconnectedAtMs === undefined || atMs >= p.disconnectedAtMs) {
      p.disconnectedAtMs = atMs;
      p.disconnectKey = key;
    }
    this.#presence.set(thingName, p);
    return true;
  }

  async isStillOffline(thingName: string, disconnectKey: string): Promise<boolean> {
    const p = this.#presence.get(thingName);
    if (!p || p.disconnectKey !== disconnectKey) return false;
    return p.connectedAtMs === undefined || p.connectedAtMs < p.disconnectedAtMs!;
  }
}

function strip(w: CollapseWindow & { members?: Set<string> }): CollapseWindow {
  const { members: _m, ...rest } = w;
  return { ...rest };
}
