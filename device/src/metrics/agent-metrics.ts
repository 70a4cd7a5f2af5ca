import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DoorAgent } from '../agent.js';
import type { AgentStatus } from '../status-types.js';

export interface AgentMetricsOptions {
  /** @default a registry of its own */
  registry?: Registry;
  /**
   * Also export the process's own figures (CPU, memory, event loop lag), prefixed
   * `smartdoor_agent_`.
   * @default true
   */
  defaultMetrics?: boolean;
}

/**
 * One door's figures in Prometheus form: the four to watch (latency, throughput, error
 * rate, backlog), plus connectivity and door state. Per-type counts and the latency
 * histogram are fed by the agent's accepted and PUBACK hooks as events pass; everything
 * else is read from `agent.status()` when scraped, so the numbers match `status` exactly.
 */
export class AgentMetrics {
  readonly registry: Registry;

  constructor(agent: DoorAgent, options: AgentMetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: registry, prefix: 'smartdoor_agent_' });

    const accepted = new Counter({
      name: 'smartdoor_agent_events_accepted_total',
      help: 'Events stored durably in the outbox, by type',
      labelNames: ['type'],
      registers,
    });
    const published = new Counter({
      name: 'smartdoor_agent_events_published_total',
      help: 'Events acknowledged by the broker (PUBACK) and removed from the outbox, by type',
      labelNames: ['type'],
      registers,
    });
    const latency = new Histogram({
      name: 'smartdoor_agent_publish_latency_seconds',
      help: 'Event accepted into the outbox to its PUBACK (includes time waiting out an outage)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    agent.onAccepted((entry) => accepted.inc({ type: entry.type }));
    agent.onPuback((entry, at) => {
      published.inc({ type: entry.type });
      latency.observe(Math.max(0, at - entry.createdAt) / 1000);
    });

    // A status read is a few small objects: each collector takes its own.
    const errorReasons: Record<string, (s: AgentStatus) => number> = {
      // An event the outbox could not take (full of door events): the one way to lose one.
      'event-refused': (s) => s.counters.refused,
      'publish-failed': (s) => s.counters.publishErrors,
      'bad-cloud-message': (s) => s.counters.badCloudMessages,
    };
    new Counter({
      name: 'smartdoor_agent_errors_total',
      help: 'Events refused by a full outbox, failed publishes and malformed cloud messages, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        const s = agent.status();
        this.reset();
        for (const [reason, read] of Object.entries(errorReasons)) this.inc({ reason }, read(s));
      },
    });
    const counter = (name: string, help: string, read: (s: AgentStatus) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read(agent.status()));
        },
      });
    counter(
      'smartdoor_agent_connects_total',
      'Connections to the broker since start',
      (s) => s.counters.connects,
    );
    counter(
      'smartdoor_agent_commands_total',
      'Commands from the cloud carried out',
      (s) => s.counters.commands,
    );
    counter(
      'smartdoor_agent_duplicate_commands_total',
      'Commands ignored as repeats of one already carried out',
      (s) => s.counters.duplicateCommands,
    );
    counter(
      'smartdoor_agent_badge_reader_bad_frames_total',
      'Badge reader frames that failed their checks (climbing with no badges: wrong baud rate or reader model)',
      (s) => s.counters.badFrames,
    );
    counter(
      'smartdoor_agent_outbox_evicted_heartbeats_total',
      'Heartbeats dropped to make room in a full outbox',
      (s) => s.outbox.evictedHeartbeats,
    );
    const gauge = (name: string, help: string, read: (s: AgentStatus) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(agent.status()));
        },
      });
    gauge(
      'smartdoor_agent_outbox_depth_events',
      'Events accepted and not yet acknowledged',
      (s) => s.outbox.depth,
    );
    gauge(
      'smartdoor_agent_outbox_oldest_age_seconds',
      'Age of the oldest event waiting in the outbox (0 when empty)',
      (s) =>
        s.outbox.oldestCreatedAt === undefined
          ? 0
          : Math.max(0, Date.parse(s.updatedAt) - s.outbox.oldestCreatedAt) / 1000,
    );
    gauge('smartdoor_agent_connected', '1 while connected to the broker', (s) =>
      s.connection === 'connected' ? 1 : 0,
    );
    gauge(
      'smartdoor_agent_last_puback_timestamp_seconds',
      'When the broker last acknowledged an event (0: never)',
      (s) => (s.lastPubackAt === undefined ? 0 : Date.parse(s.lastPubackAt) / 1000),
    );
    new Gauge({
      name: 'smartdoor_agent_door_state',
      help: 'The door as the agent last saw it: 1 for its state, 0 for the others',
      labelNames: ['state'],
      registers,
      collect() {
        const door = agent.status().doorState;
        for (const state of ['open', 'closed', 'unknown'] as const)
          this.set({ state }, door === state ? 1 : 0);
      },
    });
  }
}
