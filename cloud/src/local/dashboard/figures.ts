/**
 * The four figures to watch (latency, throughput, error rate, backlog), sampled once a
 * second into short series for the dashboard's charts. Pure: the caller passes time.
 */
export interface FigurePoint {
  at: number;
  /** Bus events per second. */
  throughput: number;
  /** Door edge to the event on the bus, ms (p50, p99) over the last second; null when idle. */
  ingestP50: number | null;
  ingestP99: number | null;
  /** Door edge to a subscriber's result, ms (p99) over the last second; null when idle. */
  resultP99: number | null;
  /** Failures (delivery failures, dead letters, rule/ingest errors) over bus events plus failures, 0-1. */
  errorRate: number;
  /** Failures per second. */
  errors: number;
  /** Events waiting in door outboxes (last heartbeats). */
  outboxBacklog: number;
  /** Messages waiting in the local queues and deliveries pending on the bus. */
  queueBacklog: number;
  /** Messages in dead-letter queues. */
  deadLetters: number;
}

export interface FiguresOptions {
  /** Points kept per series. @default 120 */
  keep?: number;
  /** Source event times remembered to match subscriber results to their cause. @default 20000 */
  rememberCauses?: number;
}

/** Latencies from 10 minutes up come from a skewed device clock. */
const SKEW_LIMIT_MS = 600_000;

export class FiguresTracker {
  readonly series: FigurePoint[] = [];
  private events = 0;
  private errors = 0;
  private ingest: number[] = [];
  private results: number[] = [];
  private readonly causes = new Map<string, number>();
  private readonly keep: number;
  private readonly rememberCauses: number;

  constructor(options: FiguresOptions = {}) {
    this.keep = options.keep ?? 120;
    this.rememberCauses = options.rememberCauses ?? 20_000;
  }

  /**
   * A device event reached the bus at `at`; `occurredAt` is its edge time (epoch ms, the
   * detail's `metadata.occurredAt`, NaN when absent). Returns the ingest latency in ms, or
   * undefined when it is left out.
   */
  deviceEvent(key: string | undefined, occurredAt: number, at: number): number | undefined {
    this.events++;
    if (!Number.isFinite(occurredAt)) return undefined;
    if (key) this.remember(key, occurredAt);
    const ms = at - occurredAt;
    // A skewed device clock gives nonsense here; leave it out of the picture.
    if (ms < 0 || ms >= SKEW_LIMIT_MS) return undefined;
    this.ingest.push(ms);
    return ms;
  }

  /**
   * A subscriber's result reached the bus; `causedBy` lists the device events behind it.
   * Results carry their causes' keys, not their times: the time is the remembered
   * `occurredAt` of the newest cause, the event the result answers (an entry answers the
   * opening, not the badge read seconds before it). Returns the latency in ms, or
   * undefined when no cause is known.
   */
  resultEvent(causedBy: readonly string[], at: number): number | undefined {
    this.events++;
    let edge = Number.NEGATIVE_INFINITY;
    for (const key of causedBy) {
      const t = this.causes.get(key);
      if (t !== undefined && t > edge) edge = t;
    }
    const ms = at - edge;
    if (!(ms >= 0 && ms < SKEW_LIMIT_MS)) return undefined;
    this.results.push(ms);
    return ms;
  }

  otherEvent(): void {
    this.events++;
  }

  error(count = 1): void {
    this.errors += count;
  }

  /** Close the current second and start the next. */
  sample(
    at: number,
    backlog: { outbox: number; queues: number; deadLetters: number },
    elapsedMs = 1_000,
  ): FigurePoint {
    const seconds = Math.max(elapsedMs, 1) / 1_000;
    const point: FigurePoint = {
      at,
      throughput: round(this.events / seconds),
      ingestP50: pct(this.ingest, 50),
      ingestP99: pct(this.ingest, 99),
      resultP99: pct(this.results, 99),
      // Of everything that came in (events and failures): 2 events and 2 malformed
      // messages are half failures, not all of them.
      errorRate: this.events + this.errors === 0 ? 0 : round(this.errors / (this.events + this.errors)),
      errors: round(this.errors / seconds),
      outboxBacklog: backlog.outbox,
      queueBacklog: backlog.queues,
      deadLetters: backlog.deadLetters,
    };
    this.events = 0;
    this.errors = 0;
    this.ingest = [];
    this.results = [];
    this.series.push(point);
    if (this.series.length > this.keep) this.series.splice(0, this.series.length - this.keep);
    return point;
  }

  private remember(key: string, occurredAt: number): void {
    this.causes.set(key, occurredAt);
    if (this.causes.size > this.rememberCauses) {
      // Map keeps insertion order: the first key is the oldest.
      const oldest = this.causes.keys().next().value;
      if (oldest !== undefined) this.causes.delete(oldest);
    }
  }
}

/** Nearest-rank percentile; null for no samples. */
export function pct(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
