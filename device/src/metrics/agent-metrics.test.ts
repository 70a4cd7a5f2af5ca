/**
 * AgentMetrics on a real agent against a real broker (aedes, in process). Roles: `broker`
 * is the cloud side, `sensor` the simulated reed switch, `clock` the agent's clock (the
 * outbox's oldest age is read against it).
 */
import { parseAgentConfig, topics } from '@smartdoor/shared';
import pino from 'pino';
import type { MetricValue } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../../test/support/aedes-broker.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { waitUntil } from '../../../test/support/wait.js';
import { DoorAgent } from '../agent.js';
import { SimulatedBadgeReader } from '../inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from '../inputs/simulated-door-sensor.js';
import { MemoryOutbox } from '../outbox/memory-outbox.js';
import { MqttJsTransport } from '../transport/mqttjs-transport.js';
import { AgentMetrics } from './agent-metrics.js';

const THING = 'door-metrics';

describe('Class: AgentMetrics', () => {
  let broker: TestBroker;
  let clock: ManualClock;
  let sensor: SimulatedDoorSensor;
  let agent: DoorAgent;
  let metrics: AgentMetrics;

  /** Every sample of a metric, keyed by its label values (`''` without labels). */
  const read = async (name: string): Promise<Record<string, number>> => {
    const metric = metrics.registry.getSingleMetric(name);
    if (!metric) throw new Error(`no metric ${name}`);
    const out: Record<string, number> = {};
    for (const v of (await metric.get()).values as Array<MetricValue<string> & { metricName?: string }>) {
      const suffix = v.metricName?.replace(name, '') ?? ''; // _count, _sum, _bucket for histograms
      out[[suffix, ...Object.values(v.labels)].filter(Boolean).join(',')] = v.value;
    }
    return out;
  };

  const start = async (maxEvents?: number, badgeReader?: SimulatedBadgeReader) => {
    agent = new DoorAgent({
      config: parseAgentConfig({ thingName: THING, mqtt: { endpoint: broker.url } }),
      sensor,
      ...(badgeReader ? { badgeReader, badgeSecret: 'a-test-secret-of-enough-bytes' } : {}),
      transport: new MqttJsTransport({ url: broker.url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }),
      outbox: new MemoryOutbox(maxEvents === undefined ? {} : { maxEvents }),
      clock,
      logger: pino({ level: 'silent' }),
    });
    metrics = new AgentMetrics(agent, { defaultMetrics: false });
    await agent.start();
    await waitUntil(() => agent.status().connection === 'connected', 'connected');
  };

  beforeEach(async () => {
    broker = await startTestBroker();
    clock = new ManualClock();
    sensor = new SimulatedDoorSensor({ initial: 'closed', clock });
  });

  afterEach(async () => {
    await agent.stop();
    await broker.close();
  });

  it('counts events accepted and acknowledged by type, with one latency sample per PUBACK', async () => {
    // Prepare
    await start();
    // Act
    sensor.open();
    sensor.close();
    await waitUntil(() => agent.status().counters.published === 3, 'three PUBACKs');
    // Assess
    expect(await read('smartdoor_agent_events_accepted_total')).toEqual({ 'door.state.changed': 3 });
    expect(await read('smartdoor_agent_events_published_total')).toEqual({ 'door.state.changed': 3 });
    const latency = await read('smartdoor_agent_publish_latency_seconds');
    expect(latency._count).toBe(3);
    expect(await read('smartdoor_agent_connected')).toEqual({ '': 1 });
    expect(await read('smartdoor_agent_outbox_depth_events')).toEqual({ '': 0 });
    expect(await read('smartdoor_agent_door_state')).toEqual({ open: 0, closed: 1, unknown: 0 });
    expect((await read('smartdoor_agent_connects_total'))['']).toBeGreaterThanOrEqual(1);
  });

  it('shows the backlog and its age while the broker is away, and the refused event as an error', async () => {
    // Prepare: room for two events; the first state event is sent before the outage.
    await start(2);
    await waitUntil(() => agent.status().counters.published === 1, 'first event sent');
    await broker.pause();
    await waitUntil(() => agent.status().connection !== 'connected', 'disconnected');
    // Act
    sensor.open();
    clock.advance(20_000); // under the held-open limit (30 s), which would add an event
    sensor.close();
    sensor.fail(new Error('EIO reading GPIO17')); // its fault finds the outbox full of door events: refused
    // Assess
    expect(await read('smartdoor_agent_connected')).toEqual({ '': 0 });
    expect(await read('smartdoor_agent_outbox_depth_events')).toEqual({ '': 2 });
    expect(await read('smartdoor_agent_outbox_oldest_age_seconds')).toEqual({ '': 20 });
    expect(await read('smartdoor_agent_errors_total')).toEqual({
      'event-refused': 1,
      'publish-failed': 0,
      'bad-cloud-message': 0,
    });
    expect(await read('smartdoor_agent_door_state')).toMatchObject({ open: 0, closed: 1 });
    // Act: the broker comes back and takes the backlog, then the outbox.full report (2 events).
    await broker.resume();
    await waitUntil(() => agent.status().counters.published === 5, 'backlog and report sent');
    // Assess
    expect(await read('smartdoor_agent_outbox_depth_events')).toEqual({ '': 0 });
    expect(await read('smartdoor_agent_outbox_oldest_age_seconds')).toEqual({ '': 0 });
    expect((await read('smartdoor_agent_publish_latency_seconds'))._count).toBe(5);
  });

  it("counts the badge reader's bad frames, as status does", async () => {
    // Prepare
    const reader = new SimulatedBadgeReader({ clock });
    await start(undefined, reader);
    // Act
    reader.badFrame();
    reader.badFrame();
    // Assess
    expect(await read('smartdoor_agent_badge_reader_bad_frames_total')).toEqual({ '': 2 });
    expect(agent.status().counters.badFrames).toBe(2);
  });

  it('counts a malformed command from the cloud as an error', async () => {
    // Prepare
    await start();
    // Act
    await broker.publish(topics.commands(THING), '{"not json');
    // Assess
    await waitUntil(
      async () => (await read('smartdoor_agent_errors_total'))['bad-cloud-message'] === 1,
      'counted',
    );
  });

  it('exports the process figures with the agent prefix unless told not to', async () => {
    // Prepare
    await start();
    // Act
    const withDefaults = new AgentMetrics(agent);
    // Assess
    const text = await withDefaults.registry.metrics();
    expect(text).toContain('smartdoor_agent_process_cpu_seconds_total');
    expect(text).toContain('smartdoor_agent_nodejs_eventloop_lag_seconds');
    expect(await metrics.registry.metrics()).not.toContain('process_cpu_seconds_total');
  });
});
