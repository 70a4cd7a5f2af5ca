import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The local cloud's Prometheus metrics, on a registry of its own (several clouds may share a process). */
export class CloudMetrics {
  readonly registry: Registry;
  readonly busEvents: Counter<'source' | 'detail_type'>;
  readonly ingestLatency: Histogram;
  readonly resultLatency: Histogram;
  readonly errors: Counter<'reason'>;
  readonly doors: Gauge<'state'>;
  readonly doorsConnected: Gauge;
  readonly outboxBacklog: Gauge;
  readonly queueBacklog: Gauge;
  readonly deadLetters: Gauge;
  readonly dashboardClients: Gauge;

  constructor(options: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'smartdoor_cloud_' });
    const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.busEvents = new Counter({
      name: 'smartdoor_bus_events_total',
      help: 'Events put on the smartdoor bus, by source and detail-type',
      labelNames: ['source', 'detail_type'],
      registers,
    });
    this.ingestLatency = new Histogram({
      name: 'smartdoor_ingest_latency_seconds',
      help: 'Door edge (occurredAt) to the event on the bus',
      buckets: seconds,
      registers,
    });
    this.resultLatency = new Histogram({
      name: 'smartdoor_result_latency_seconds',
      help: "Door edge to a subscriber's result event on the bus",
      buckets: seconds,
      registers,
    });
    this.errors = new Counter({
      name: 'smartdoor_errors_total',
      help: 'Delivery failures, dead letters, rule and ingest errors',
      labelNames: ['reason'],
      registers,
    });
    this.doors = new Gauge({
      name: 'smartdoor_doors',
      help: 'Doors by last known state',
      labelNames: ['state'],
      registers,
    });
    this.doorsConnected = new Gauge({
      name: 'smartdoor_doors_connected',
      help: 'Doors connected to the broker',
      registers,
    });
    this.outboxBacklog = new Gauge({
      name: 'smartdoor_outbox_backlog_events',
      help: 'Events waiting in door outboxes, from the last heartbeats',
      registers,
    });
    this.queueBacklog = new Gauge({
      name: 'smartdoor_queue_backlog_messages',
      help: 'Messages waiting in local queues and bus deliveries pending',
      registers,
    });
    this.deadLetters = new Gauge({
      name: 'smartdoor_dead_letters',
      help: 'Messages in dead-letter queues',
      registers,
    });
    this.dashboardClients = new Gauge({
      name: 'smartdoor_dashboard_clients',
      help: 'Browsers watching the dashboard',
      registers,
    });
  }
}
