import type { UnidentifiedReason } from '@smartdoor/shared';
import { OpeningNotFoundError } from './errors.js';

/** How an opening was settled. Stored with the opening so a retry redoes the same effects. */
export type Resolution =
  | { kind: 'identified'; personId: string; badgeKey: string; badgeRef: string; badgeReadAtMs: number }
  | { kind: 'unidentified'; reason: UnidentifiedReason; badgeKey?: string; badgeRef?: string }
  | { kind: 'failed'; error: string; badgeKey: string; badgeRef: string };

/** Enough to find an opening again (the DynamoDB key needs door and time). */
export interface OpeningRef {
  /** The door-opened event's idempotency key. */
  key: string;
  thingName: string;
  atMs: number;
}

export interface Opening extends OpeningRef {
  /** Set once, by the first resolver to claim the opening. */
  resolution?: Resolution;
  /** The key of the event whose handling claimed it: only that handling (or its retry) emits. */
  claimedBy?: string;
  /** True once the resolution's events and commands went out. */
  done: boolean;
}

export interface Claim {
  resolution: Resolution;
  claimedBy: string;
}

export interface BadgeRead {
  key: string;
  thingName: string;
  atMs: number;
  badgeRef: string;
}

/**
 * Openings and badge reads per door, kept long enough to correlate them (SQLite locally,
 * DynamoDB with TTL on AWS). Each writer writes its own record before reading the
 * other's, so when an opening and a badge read race, at least one of them sees the
 * other; claimOpening lets only the first resolution stand.
 */
export interface CorrelationStore {
  /** Store an opening (a repeat keeps the stored one) and return what is stored. */
  putOpening(ref: OpeningRef): Promise<Opening>;
  putBadgeRead(read: BadgeRead): Promise<void>;
  getOpening(ref: OpeningRef): Promise<Opening | undefined>;
  /**
   * The badge reads nearest `atMs` at a door, at most `windowMs` away: the last one at or
   * before it and the first one after it (0 to 2 reads, oldest first). Two bounded lookups,
   * however many reads the door has in the window.
   */
  nearestBadgeReads(thingName: string, atMs: number, windowMs: number): Promise<BadgeRead[]>;
  /** Openings at a door in the range that are not done yet, oldest first. */
  findOpenOpenings(thingName: string, fromMs: number, toMs: number): Promise<Opening[]>;
  /** Set the resolution and claimant unless one is set; returns the pair that stands. */
  claimOpening(ref: OpeningRef, resolution: Resolution, claimant: string): Promise<Claim>;
  markDone(ref: OpeningRef): Promise<void>;
  /** Drop records older than this (DynamoDB's TTL does it on AWS). Returns how many. */
  purgeBefore(atMs: number): Promise<number>;
}

export class MemoryCorrelationStore implements CorrelationStore {
  readonly #openings = new Map<string, Opening>();
  readonly #reads = new Map<string, BadgeRead>();

  async putOpening(ref: OpeningRef): Promise<Opening> {
    const existing = this.#openings.get(ref.key);
    if (existing) return structuredClone(existing);
    const opening: Opening = { key: ref.key, thingName: ref.thingName, atMs: ref.atMs, done: false };
    this.#openings.set(ref.key, opening);
    return structuredClone(opening);
  }

  async putBadgeRead(read: BadgeRead): Promise<void> {
    if (!this.#reads.has(read.key)) this.#reads.set(read.key, { ...read });
  }

  async getOpening(ref: OpeningRef): Promise<Opening | undefined> {
    const o = this.#openings.get(ref.key);
    return o && structuredClone(o);
  }

  async nearestBadgeReads(thingName: string, atMs: number, windowMs: number): Promise<BadgeRead[]> {
    let before: BadgeRead | undefined;
    let after: BadgeRead | undefined;
    for (const r of this.#reads.values()) {
      if (r.thingName !== thingName || Math.abs(r.atMs - atMs) > windowMs) continue;
      if (r.atMs <= atMs) {
        if (!before || r.atMs > before.atMs) before = r;
      } else if (!after || r.atMs < after.atMs) after = r;
    }
    return [before, after].filter((r) => r !== undefined).map((r) => ({ ...r }));
  }

  async findOpenOpenings(thingName: string, fromMs: number, toMs: number): Promise<Opening[]> {
    return [...this.#openings.values()]
      .filter((o) => o.thingName === thingName && !o.done && o.atMs >= fromMs && o.atMs <= toMs)
      .sort((a, b) => a.atMs - b.atMs)
      .map((o) => structuredClone(o));
  }

  async claimOpening(ref: OpeningRef, resolution: Resolution, claimant: string): Promise<Claim> {
    const o = this.#openings.get(ref.key);
    if (!o) throw new OpeningNotFoundError(ref.key);
    if (!o.resolution) {
      o.resolution = structuredClone(resolution);
      o.claimedBy = claimant;
    }
    return { resolution: structuredClone(o.resolution), claimedBy: o.claimedBy! };
  }

  async markDone(ref: OpeningRef): Promise<void> {
    const o = this.#openings.get(ref.key);
    if (o) o.done = true;
  }

  async purgeBefore(atMs: number): Promise<number> {
    let n = 0;
    for (const [k, o] of this.#openings) if (o.atMs < atMs && this.#openings.delete(k)) n++;
    for (const [k, r] of this.#reads) if (r.atMs < atMs && this.#reads.delete(k)) n++;
    return n;
  }
}
