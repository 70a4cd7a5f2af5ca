import { type BusEvent, DetailType, EventSource } from '@smartdoor/shared';

/**
 * The run's result, printed at the end (one JSON line with --json). `observed` says how far
 * the run could follow its events: to the bus and the subscribers (its own local cloud), or
 * only to the broker's PUBACK (--endpoint, a broker this process does not run).
 */
export type RunSummary = BusRunSummary | BrokerRunSummary;

/** Figures only a run that sees the bus can know. */
type BusFigures =
  | 'ingested'
  | 'deliveredToSubscribers'
  | 'subscriberResults'
  | 'openings'
  | 'openingsUnsettled'
  | 'lostAfterAck'
  | 'duplicatesSuppressed'
  | 'duplicateEffects'
  | 'busEventsByType'
  | 'spanMs';

/** A run against a broker only: what lies past the PUBACK is unknown (null), not zero. */
export type BrokerRunSummary = Omit<BusRunSummary, 'observed' | BusFigures> & {
  observed: 'broker';
} & { [K in BusFigures]: null };

/** A run on its own local cloud, followed to the bus and the subscribers. */
export interface BusRunSummary {
  scenario: string;
  seed: number | string;
  doors: number;
  /** How long the scenario played: as planned, or less when the run was stopped (Ctrl-C). */
  durationMs: number;
  observed: 'bus';
  /** Events the agents accepted into their outboxes. */
  created: number;
  /** Events the broker acknowledged (PUBACK). */
  acknowledged: number;
  /** Distinct device events that reached the bus. */
  ingested: number;
  /** Distinct device events delivered to a subscriber (identification or notification). */
  deliveredToSubscribers: number;
  /** Results the subscribers emitted (Entry Identified/Unidentified, Notification Sent, ...). */
  subscriberResults: number;
  /** Door openings of this run that reached the bus: each must get one identification result. */
  openings: number;
  /** Of those, openings without an identification result by the end of the drain. */
  openingsUnsettled: number;
  /**
   * Created events that never reached the bus (after the drain); when only the broker is
   * observed, created events it never acknowledged.
   */
  lost: number;
  /** Of those, events the broker had acknowledged: these must be 0. */
  lostAfterAck: number;
  /** Extra copies the storm sent. */
  duplicatesSent: number;
  /** Repeated device events that reached the bus, counted once. */
  duplicatesSuppressed: number;
  /** Subscriber results emitted more than once for the same cause: these must be 0. */
  duplicateEffects: number;
  /** Malformed payloads published (they must end in the error queue, not on the bus). */
  malformedSent: number;
  /** Messages the cloud put in its error queues during the run (rule and ingest errors); null when unknown. */
  rejected: number | null;
  /**
   * Distinct events of this run on the bus, by detail-type: the door's events (Door State
   * Changed, Door Held Open, ...) and the subscribers' results (Entry Identified, Notification
   * Sent, ...). Copies are not counted again.
   */
  busEventsByType: Record<string, number>;
  /** Door edge to subscriber result, ms. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  /** Door edge to the identification subscriber's result, ms. */
  identificationLatencyMs: RunSummary['latencyMs'];
  /** Door edge to the notification subscriber's result (through Entry Unidentified, Door Held Open, ...), ms. */
  notificationLatencyMs: RunSummary['latencyMs'];
  /** Door edge to the broker's PUBACK, ms. */
  ackLatencyMs: RunSummary['latencyMs'];
  /** Door edge to the event on the bus, ms. */
  ingestLatencyMs: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  /** Connections the doors made (first connects and reconnects). */
  connects: number;
  /** First measured door edge to the last device event reaching the bus (null if none): the span throughput is measured over. */
  spanMs: number | null;
  /** First measured door edge to the last PUBACK (null if none). */
  ackSpanMs: number | null;
}

interface Created {
  thingName: string;
  edgeAt: number;
  acked: boolean;
  ingested: number;
  delivered: boolean;
}

/**
 * Keeps the books of a run: what the doors created, what the broker acknowledged, what
 * reached the bus and the subscribers, and when. Pure: the caller passes times.
 */
export class RunLedger {
  /** False when the run sees only PUBACKs (an external broker): the bus figures are unknown. */
  readonly observesBus: boolean;
  private readonly events = new Map<string, Created>();
  private readonly resultKeys = new Set<string>();
  private readonly resultLatency: number[] = [];
  private readonly identificationLatency: number[] = [];
  private readonly notificationLatency: number[] = [];
  /** Door edge behind each subscriber result, so results of results can be timed too. */
  private readonly resultEdges = new Map<string, number>();
  private readonly ingestLatency: number[] = [];
  private readonly ackLatency: number[] = [];
  private readonly byType = new Map<string, number>();
  acknowledged = 0;
  duplicatesSent = 0;
  duplicatesSuppressed = 0;
  duplicateEffects = 0;
  malformedSent = 0;
  subscriberResults = 0;
  connects = 0;
  rejected: number | null = null;
  /** Events created before this time (epoch ms) stay out of the latency figures. */
  measureFrom = 0;
  private firstEdge = Number.POSITIVE_INFINITY;
  private readonly openings = new Set<string>();
  private readonly settled = new Set<string>();
  private lastIngest = 0;
  private lastAck = 0;

  constructor(options: { observesBus?: boolean } = {}) {
    this.observesBus = options.observesBus ?? true;
  }

  get createdCount(): number {
    return this.events.size;
  }

  created(key: string, thingName: string, edgeAt: number): void {
    if (this.events.has(key)) return;
    this.events.set(key, { thingName, edgeAt, acked: false, ingested: 0, delivered: false });
    if (edgeAt >= this.measureFrom && edgeAt < this.firstEdge) this.firstEdge = edgeAt;
  }

  acked(key: string, at?: number): void {
    const e = this.events.get(key);
    if (e && !e.acked) {
      e.acked = true;
      this.acknowledged++;
      if (at !== undefined && e.edgeAt >= this.measureFrom) {
        this.ackLatency.push(at - e.edgeAt);
        this.lastAck = Math.max(this.lastAck, at);
      }
    }
  }

  /** An event was seen on the bus at `at`. */
  busEvent(event: BusEvent, at: number): void {
    const meta = (event.detail as { metadata?: { 'idempotency-key'?: string; causedBy?: string[] } })
      .metadata;
    const key = meta?.['idempotency-key'];
    if (!key) return;
    if (event.source === EventSource.Device) {
      const e = this.events.get(key);
      if (!e) return;
      e.ingested++;
      if (e.ingested === 1) this.countType(event);
      if (
        e.ingested === 1 &&
        event['detail-type'] === DetailType.DoorStateChanged &&
        (event.detail as { state?: unknown }).state === 'open'
      )
        this.openings.add(key);
      if (e.ingested > 1) this.duplicatesSuppressed++;
      else if (e.edgeAt >= this.measureFrom) {
        this.ingestLatency.push(at - e.edgeAt);
        this.lastIngest = Math.max(this.lastIngest, at);
      }
      return;
    }
    if (event.source === EventSource.Identification || event.source === EventSource.Notification) {
      if (this.resultKeys.has(key)) {
        this.duplicateEffects++;
        return;
      }
      this.resultKeys.add(key);
      this.subscriberResults++;
      this.countType(event);
      if (event.source === EventSource.Identification)
        for (const cause of meta?.causedBy ?? []) if (this.openings.has(cause)) this.settled.add(cause);
      // A result may answer a device event or another result (Notification Sent for an
      // Entry Unidentified): follow the chain back to the door edge.
      const edges = (meta?.causedBy ?? [])
        .map((k) => this.events.get(k)?.edgeAt ?? this.resultEdges.get(k))
        .filter((t) => t !== undefined);
      if (edges.length === 0) return;
      const edge = Math.max(...edges);
      this.resultEdges.set(key, edge);
      if (edge < this.measureFrom) return;
      this.resultLatency.push(at - edge);
      (event.source === EventSource.Identification
        ? this.identificationLatency
        : this.notificationLatency
      ).push(at - edge);
    }
  }

  private countType(event: BusEvent): void {
    const type = event['detail-type'];
    this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
  }

  /** A subscriber's handler received the device event with this key. */
  delivered(key: string): void {
    const e = this.events.get(key);
    if (e) e.delivered = true;
  }

  /** Openings on the bus without an identification result yet. */
  unsettledOpenings(): number {
    return this.openings.size - this.settled.size;
  }

  /** Events the broker acknowledged that have not reached the bus (yet). */
  ackedNotIngested(): number {
    let n = 0;
    for (const e of this.events.values()) if (e.acked && e.ingested === 0) n++;
    return n;
  }

  /** Created events not yet on the bus (not yet acknowledged, when the bus is not observed). */
  outstanding(): number {
    if (!this.observesBus) return this.events.size - this.acknowledged;
    let n = 0;
    for (const e of this.events.values()) if (e.ingested === 0) n++;
    return n;
  }

  summary(run: Pick<RunSummary, 'scenario' | 'seed' | 'doors' | 'durationMs'>): RunSummary {
    if (!this.observesBus) return this.brokerSummary(run);
    let ingested = 0;
    let delivered = 0;
    let lostAfterAck = 0;
    for (const e of this.events.values()) {
      if (e.ingested > 0) ingested++;
      else if (e.acked) lostAfterAck++;
      if (e.delivered) delivered++;
    }
    return {
      ...run,
      observed: 'bus',
      created: this.events.size,
      acknowledged: this.acknowledged,
      ingested,
      deliveredToSubscribers: delivered,
      subscriberResults: this.subscriberResults,
      openings: this.openings.size,
      openingsUnsettled: this.unsettledOpenings(),
      lost: this.events.size - ingested,
      lostAfterAck,
      duplicatesSent: this.duplicatesSent,
      duplicatesSuppressed: this.duplicatesSuppressed,
      duplicateEffects: this.duplicateEffects,
      malformedSent: this.malformedSent,
      rejected: this.rejected,
      busEventsByType: Object.fromEntries([...this.byType].sort(([a], [b]) => a.localeCompare(b))),
      latencyMs: percentiles(this.resultLatency),
      identificationLatencyMs: percentiles(this.identificationLatency),
      notificationLatencyMs: percentiles(this.notificationLatency),
      ackLatencyMs: percentiles(this.ackLatency),
      ingestLatencyMs: percentiles(this.ingestLatency),
      connects: this.connects,
      spanMs:
        this.lastIngest > 0 && Number.isFinite(this.firstEdge) ? this.lastIngest - this.firstEdge : null,
      ackSpanMs: this.lastAck > 0 && Number.isFinite(this.firstEdge) ? this.lastAck - this.firstEdge : null,
    };
  }

  /** The summary of a run that saw only PUBACKs: what the broker acknowledged, and how fast. */
  private brokerSummary(
    run: Pick<RunSummary, 'scenario' | 'seed' | 'doors' | 'durationMs'>,
  ): BrokerRunSummary {
    const unknown = percentiles([]);
    return {
      ...run,
      observed: 'broker',
      created: this.events.size,
      acknowledged: this.acknowledged,
      ingested: null,
      deliveredToSubscribers: null,
      subscriberResults: null,
      openings: null,
      openingsUnsettled: null,
      lost: this.events.size - this.acknowledged,
      lostAfterAck: null,
      duplicatesSent: this.duplicatesSent,
      duplicatesSuppressed: null,
      duplicateEffects: null,
      malformedSent: this.malformedSent,
      rejected: this.rejected,
      busEventsByType: null,
      latencyMs: unknown,
      identificationLatencyMs: unknown,
      notificationLatencyMs: unknown,
      ackLatencyMs: percentiles(this.ackLatency),
      ingestLatencyMs: unknown,
      connects: this.connects,
      spanMs: null,
      ackSpanMs: this.lastAck > 0 && Number.isFinite(this.firstEdge) ? this.lastAck - this.firstEdge : null,
    };
  }
}

/**
 * The summary of a run on the local cloud, or an error: for callers (the benchmarks, tests)
 * that need the bus figures and ran where the bus is seen.
 */
export function busSummary(s: RunSummary): BusRunSummary {
  if (s.observed !== 'bus')
    throw new Error('this run saw only the broker (an external endpoint), not the bus');
  return s;
}

export function percentiles(values: number[]): RunSummary['latencyMs'] {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0
      ? null
      : Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
  return { p50: at(50), p95: at(95), p99: at(99), samples: s.length };
}
