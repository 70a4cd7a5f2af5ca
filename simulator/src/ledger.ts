import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
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
  edgeAt: number;
  acked: boolean;
  ingested: number;
  delivered: boolean;
}

/**
 * How long the books keep an event after its door edge, once it reached the bus (or, when
 * only the broker is observed, its PUBACK): a copy, a delivery or a result later than this
 * is not counted. Past it the event is a count, so a run of days holds minutes of books.
 */
export const BOOKS_KEPT_MS = 5 * 60_000;

/** How often the books fold the events past BOOKS_KEPT_MS into counts. */
const FOLD_EVERY_MS = 10_000;

/**
 * Keeps the books of a run: what the doors created, what the broker acknowledged, what
 * reached the bus and the subscribers, and when. Pure: the caller passes times. Memory
 * stays flat however long the run: settled events become counts (BOOKS_KEPT_MS) and
 * latencies go into histograms.
 */
export class RunLedger {
  /** False when the run sees only PUBACKs (an external broker): the bus figures are unknown. */
  readonly observesBus: boolean;
  private readonly keptMs: number;
  private readonly events = new Map<string, Created>();
  /** Events folded into counts: settled, and past the time the books keep them. */
  private folded = { events: 0, delivered: 0 };
  private nextFoldAt = Number.NEGATIVE_INFINITY;
  /** Each subscriber result seen, when, and its door edge (results of results are timed from it too). */
  private readonly results = new Map<string, { seenAt: number; edgeAt: number | undefined }>();
  private readonly resultLatency = new Latencies();
  private readonly identificationLatency = new Latencies();
  private readonly notificationLatency = new Latencies();
  private readonly ingestLatency = new Latencies();
  private readonly ackLatency = new Latencies();
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
  /** Openings seen on the bus, and those of them still waiting for their identification result. */
  private openingsSeen = 0;
  private readonly unsettled = new Set<string>();
  private lastIngest = 0;
  private lastAck = 0;

  constructor(options: { observesBus?: boolean; keptMs?: number } = {}) {
    this.observesBus = options.observesBus ?? true;
    this.keptMs = options.keptMs ?? BOOKS_KEPT_MS;
  }

  get createdCount(): number {
    return this.events.size + this.folded.events;
  }

  /** Events and results the books hold one by one (the rest are counts): flat on a long run. */
  get held(): number {
    return this.events.size + this.results.size;
  }

  created(key: string, edgeAt: number): void {
    if (this.events.has(key)) return;
    this.events.set(key, { edgeAt, acked: false, ingested: 0, delivered: false });
    if (edgeAt >= this.measureFrom && edgeAt < this.firstEdge) this.firstEdge = edgeAt;
    if (edgeAt >= this.nextFoldAt) {
      this.nextFoldAt = edgeAt + FOLD_EVERY_MS;
      this.fold(edgeAt - this.keptMs);
    }
  }

  /**
   * Turn the settled events with an edge before `before` into counts, and forget results
   * as old. Oldest first: the map holds events in the order they were created.
   */
  private fold(before: number): void {
    for (const [key, e] of this.events) {
      if (e.edgeAt >= before) break;
      if (this.observesBus ? e.ingested === 0 : !e.acked) continue; // outstanding: kept
      this.events.delete(key);
      this.folded.events++;
      if (e.delivered) this.folded.delivered++;
    }
    for (const [key, r] of this.results) {
      if (r.seenAt >= before) break;
      this.results.delete(key);
    }
  }

  acked(key: string, at?: number): void {
    const e = this.events.get(key);
    if (e && !e.acked) {
      e.acked = true;
      this.acknowledged++;
      if (at !== undefined && e.edgeAt >= this.measureFrom) {
        this.ackLatency.record(at - e.edgeAt);
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
      ) {
        this.openingsSeen++;
        this.unsettled.add(key);
      }
      if (e.ingested > 1) this.duplicatesSuppressed++;
      else if (e.edgeAt >= this.measureFrom) {
        this.ingestLatency.record(at - e.edgeAt);
        this.lastIngest = Math.max(this.lastIngest, at);
      }
      return;
    }
    if (event.source === EventSource.Identification || event.source === EventSource.Notification) {
      if (this.results.has(key)) {
        this.duplicateEffects++;
        return;
      }
      this.subscriberResults++;
      this.countType(event);
      if (event.source === EventSource.Identification)
        for (const cause of meta?.causedBy ?? []) this.unsettled.delete(cause);
      // A result may answer a device event or another result (Notification Sent for an
      // Entry Unidentified): follow the chain back to the door edge.
      const edges = (meta?.causedBy ?? [])
        .map((k) => this.events.get(k)?.edgeAt ?? this.results.get(k)?.edgeAt)
        .filter((t) => t !== undefined);
      const edge = edges.length > 0 ? Math.max(...edges) : undefined;
      this.results.set(key, { seenAt: at, edgeAt: edge });
      if (edge === undefined || edge < this.measureFrom) return;
      this.resultLatency.record(at - edge);
      (event.source === EventSource.Identification
        ? this.identificationLatency
        : this.notificationLatency
      ).record(at - edge);
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
    return this.unsettled.size;
  }

  /** Events the broker acknowledged that have not reached the bus (yet). */
  ackedNotIngested(): number {
    let n = 0;
    for (const e of this.events.values()) if (e.acked && e.ingested === 0) n++;
    return n;
  }

  /** Created events not yet on the bus (not yet acknowledged, when the bus is not observed). */
  outstanding(): number {
    if (!this.observesBus) return this.createdCount - this.acknowledged;
    let n = 0;
    for (const e of this.events.values()) if (e.ingested === 0) n++;
    return n;
  }

  summary(run: Pick<RunSummary, 'scenario' | 'seed' | 'doors' | 'durationMs'>): RunSummary {
    if (!this.observesBus) return this.brokerSummary(run);
    let ingested = this.folded.events;
    let delivered = this.folded.delivered;
    let lostAfterAck = 0;
    for (const e of this.events.values()) {
      if (e.ingested > 0) ingested++;
      else if (e.acked) lostAfterAck++;
      if (e.delivered) delivered++;
    }
    return {
      ...run,
      observed: 'bus',
      created: this.createdCount,
      acknowledged: this.acknowledged,
      ingested,
      deliveredToSubscribers: delivered,
      subscriberResults: this.subscriberResults,
      openings: this.openingsSeen,
      openingsUnsettled: this.unsettledOpenings(),
      lost: this.createdCount - ingested,
      lostAfterAck,
      duplicatesSent: this.duplicatesSent,
      duplicatesSuppressed: this.duplicatesSuppressed,
      duplicateEffects: this.duplicateEffects,
      malformedSent: this.malformedSent,
      rejected: this.rejected,
      busEventsByType: Object.fromEntries([...this.byType].sort(([a], [b]) => a.localeCompare(b))),
      latencyMs: this.resultLatency.percentiles(),
      identificationLatencyMs: this.identificationLatency.percentiles(),
      notificationLatencyMs: this.notificationLatency.percentiles(),
      ackLatencyMs: this.ackLatency.percentiles(),
      ingestLatencyMs: this.ingestLatency.percentiles(),
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
    const unknown = new Latencies().percentiles();
    return {
      ...run,
      observed: 'broker',
      created: this.createdCount,
      acknowledged: this.acknowledged,
      ingested: null,
      deliveredToSubscribers: null,
      subscriberResults: null,
      openings: null,
      openingsUnsettled: null,
      lost: this.createdCount - this.acknowledged,
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
      ackLatencyMs: this.ackLatency.percentiles(),
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

/** Longest latency told apart, in microseconds (a day); longer ones count as a day. */
const LONGEST_US = 86_400_000_000;

/**
 * Latencies in an HDR histogram (Node's own): memory stays flat over any number of samples,
 * and a percentile is within 0.1% of the nearest-rank one (printed to 0.1 ms).
 */
class Latencies {
  private readonly histogram: RecordableHistogram = createHistogram({
    lowest: 1,
    highest: LONGEST_US,
    figures: 3,
  });

  record(ms: number): void {
    this.histogram.record(Math.min(LONGEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  percentiles(): RunSummary['latencyMs'] {
    const samples = this.histogram.count;
    const at = (p: number) => (samples === 0 ? null : Math.round(this.histogram.percentile(p) / 100) / 10);
    return { p50: at(50), p95: at(95), p99: at(99), samples };
  }
}
