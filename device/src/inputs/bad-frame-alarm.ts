/** Bad frames within the window, with no good one, that mean the reader cannot be read. */
export const BAD_FRAME_ALARM = { count: 5, windowMs: 60_000 } as const;

/**
 * Tells a badge reader that cannot be read (wrong baud rate or reader model, noise on the
 * line: every frame fails its checks) from the odd bad frame: it raises when `count` bad
 * frames arrive within `windowMs` with no good frame among them, and clears at the next
 * good frame.
 */
export class BadFrameAlarm {
  #bad: number[] = [];
  #active = false;

  constructor(
    private readonly count: number = BAD_FRAME_ALARM.count,
    private readonly windowMs: number = BAD_FRAME_ALARM.windowMs,
  ) {}

  get active(): boolean {
    return this.#active;
  }

  /** A bad frame at `at` (ms): true when this one raises the alarm. */
  bad(at: number): boolean {
    this.#bad.push(at);
    while (this.#bad.length > 0 && this.#bad[0]! <= at - this.windowMs) this.#bad.shift();
    // Only the last `count` times matter.
    if (this.#bad.length > this.count) this.#bad.shift();
    if (this.#active || this.#bad.length < this.count) return false;
    this.#active = true;
    return true;
  }

  /** A good frame: true when it clears a raised alarm. */
  good(): boolean {
    this.#bad = [];
    const was = this.#active;
    this.#active = false;
    return was;
  }

  /** Forget everything (the reader stops or the port is replaced). */
  reset(): void {
    this.#bad = [];
    this.#active = false;
  }
}
