/**
 * DoorAgent against a real broker (aedes, in process). Roles: `broker` is the cloud side
 * (it also publishes commands and shadow documents), `sensor`/`reader`/`buzzer` are the
 * simulated inputs, `clock` drives the agent's own timers (heartbeat, held-open).
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type AgentConfig, parseAgentConfig, topics } from '@smartdoor/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../test/support/aedes-broker.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import { waitUntil } from '../../test/support/wait.js';
import { DoorAgent, LOG_REDACT_PATHS } from './agent.js';
import { SimulatedBadgeReader, SimulatedBuzzer } from './inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import { MemoryOutbox, MemoryOutboxStore } from './outbox/memory-outbox.js';
import { MqttJsTransport } from './transport/mqttjs-transport.js';

const THING = 'door-001';
const SECRET = 'a-test-secret-of-enough-bytes';

describe('Class: DoorAgent', () => {
  let broker: TestBroker;
  let config: AgentConfig;
  let clock: ManualClock;
  let sensor: SimulatedDoorSensor;
  let reader: SimulatedBadgeReader;
  let buzzer: SimulatedBuzzer;
  let store: MemoryOutboxStore;
  let agent: DoorAgent;

  const makeAgent = () =>
    new DoorAgent({
      config,
      sensor,
      badgeReader: reader,
      buzzer,
      badgeSecret: SECRET,
      transport: new MqttJsTransport({ url: broker.url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }),
      outbox: new MemoryOutbox({ store }),
      clock,
      logger: pino({ level: 'silent' }),
    });

  const events = () => broker.json<{ type: string; seq: number; state?: string }>(topics.events(THING));

  beforeEach(async () => {
    broker = await startTestBroker();
    config = parseAgentConfig({
      thingName: THING,
      mqtt: { endpoint: broker.url },
      door: { heartbeatIntervalSeconds: 60, heldOpenLimitSeconds: 30 },
    });
    clock = new ManualClock();
    sensor = new SimulatedDoorSensor({ initial: 'closed', clock });
    reader = new SimulatedBadgeReader({ clock });
    buzzer = new SimulatedBuzzer();
    store = new MemoryOutboxStore();
    agent = makeAgent();
    await agent.start();
    await waitUntil(() => agent.status().connection === 'connected', 'connected');
  });

  afterEach(async () => {
    await agent.stop();
    await broker.close();
  });

  describe('Method: start', () => {
    it('publishes door events in order and removes each from the outbox on its PUBACK', async () => {
      // Act
      sensor.open();
      sensor.close();
      // Assess
      await waitUntil(() => events().length === 3, 'three events');
      expect(events().map((e) => [e.seq, e.state])).toEqual([
        [1, 'closed'],
        [2, 'open'],
        [3, 'closed'],
      ]);
      await waitUntil(() => agent.status().outbox.depth === 0, 'empty outbox');
      expect(agent.status()).toMatchObject({ counters: { accepted: 3, published: 3 } });
      expect(agent.status().lastPubackAt).toBeDefined();
    });

    it('sets the retained status online and asks for the shadow', async () => {
      // Assess
      const status = await waitUntil(() => broker.retained(topics.status(THING)), 'status');
      expect(JSON.parse(status.toString())).toMatchObject({ state: 'online' });
      await waitUntil(
        () => broker.received.some((r) => r.topic === topics.shadow(THING, 'get')),
        'shadow get',
      );
    });

    it('keeps events while the broker is away and sends the backlog in order when it returns', async () => {
      // Prepare
      await waitUntil(() => events().length === 1, 'initial event');
      await broker.pause();
      await waitUntil(() => agent.status().connection !== 'connected', 'disconnected');
      // Act
      for (let i = 0; i < 20; i++) {
        clock.advance(1_000); // slower than flapping (10 changes within 5 s)
        sensor.set(i % 2 === 0 ? 'open' : 'closed');
      }
      expect(agent.status().outbox.depth).toBe(20);
      await broker.resume();
      // Assess
      await waitUntil(() => events().length >= 21, 'backlog');
      const seqs = [...new Set(events().map((e) => e.seq))];
      expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      await waitUntil(() => agent.status().outbox.depth === 0, 'empty outbox');
    });

    it('sends a badge reference, never the badge id', async () => {
      // Act
      reader.scan('0012345678');
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'badge.read'), 'badge.read');
      const read = broker
        .json<{ type: string; badgeRef: string }>(topics.events(THING))
        .find((e) => e.type === 'badge.read')!;
      expect(read.badgeRef).toBe(createHmac('sha256', SECRET).update('0012345678').digest('hex'));
      expect(broker.received.some((r) => r.payload.includes('0012345678'))).toBe(false);
    });

    it('sends a heartbeat every interval on the injected clock', async () => {
      // Act
      clock.advance(60_000);
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'device.heartbeat'), 'heartbeat');
      const hb = broker
        .json<Record<string, unknown>>(topics.events(THING))
        .find((e) => e.type === 'device.heartbeat');
      expect(hb).toMatchObject({ uptimeSeconds: 60, doorState: 'closed', agentVersion: '0.1.0' });
    });

    it('raises door.held.open when the door stays open past the limit', async () => {
      // Prepare
      sensor.open();
      // Act
      clock.advance(30_000);
      // Assess
      await waitUntil(() => events().some((e) => e.type === 'door.held.open'), 'held open');
      expect(events().find((e) => e.type === 'door.held.open')).toMatchObject({ limitSeconds: 30 });
    });

    it('clears sensor.error when the driver reads again, though the door did not move', async () => {
      // Act
      sensor.fail(new Error('gpiomon stopped; restarting'));
      sensor.recover();
      // Assess
      await waitUntil(() => events().length === 3, 'initial state, fault, clear');
      const faults = broker
        .json<{ type: string; fault?: string; active?: boolean }>(topics.events(THING))
        .filter((e) => e.type === 'device.fault');
      expect(faults).toMatchObject([
        { fault: 'sensor.error', active: true },
        { fault: 'sensor.error', active: false },
      ]);
    });

    it('raises sensor.error once for a run of read errors and clears it on the next reading', async () => {
      // Act
      sensor.fail(new Error('EIO reading GPIO17'));
      sensor.fail(new Error('EIO reading GPIO17'));
      sensor.open();
      // Assess
      await waitUntil(() => events().length === 4, 'fault, clear, open');
      const faults = broker
        .json<{ type: string; fault?: string; active?: boolean; message?: string }>(topics.events(THING))
        .filter((e) => e.type === 'device.fault');
      expect(faults).toMatchObject([
        { fault: 'sensor.error', active: true, message: 'EIO reading GPIO17' },
        { fault: 'sensor.error', active: false },
      ]);
    });
  });

  describe('Method: stop', () => {
    it('sets the retained status offline and can resume from the same outbox', async () => {
      // Act
      await agent.stop();
      // Assess
      const status = await broker.retained(topics.status(THING));
      expect(JSON.parse(status!.toString())).toMatchObject({ state: 'offline' });
      expect(agent.running).toBe(false);
      agent = makeAgent();
      await agent.start();
      sensor.open();
      await waitUntil(() => events().some((e) => e.state === 'open'), 'event after restart');
      expect(events().at(-1)?.seq).toBe(events().length);
    });
  });

  describe('Commands and shadow', () => {
    it('sounds the buzzer for a command and ignores a repeat of the same commandId', async () => {
      // Act
      const command = JSON.stringify({ name: 'buzzer', commandId: 'c-1', durationMs: 500 });
      await broker.publish(topics.commands(THING), command);
      await broker.publish(topics.commands(THING), command);
      await broker.publish(topics.commands(THING), '{"name":"explode"}');
      // Assess
      await waitUntil(() => agent.counters.badCloudMessages === 1, 'bad command counted');
      expect(buzzer.sounds).toEqual([500]);
      expect(agent.counters).toMatchObject({ commands: 1, duplicateCommands: 1 });
    });

    it('applies settings from a shadow delta and reports them back', async () => {
      // Act
      await broker.publish(
        topics.shadow(THING, 'update/delta'),
        // heartbeatIntervalSeconds 1 is under the minimum of 5: refused alone, the rest applies.
        JSON.stringify({
          version: 2,
          state: { heldOpenLimitSeconds: 5, debounceMs: 120, heartbeatIntervalSeconds: 1 },
        }),
      );
      // Assess
      await waitUntil(() => agent.settings.heldOpenLimitSeconds === 5, 'settings applied');
      expect(sensor.debounceMs).toBe(120);
      const reports = await waitUntil(() => {
        const r = broker.json<{ state: { reported: object } }>(topics.shadow(THING, 'update'));
        return r.length > 0 && r;
      }, 'report');
      expect(reports.at(-1)?.state.reported).toEqual({
        heldOpenLimitSeconds: 5,
        heartbeatIntervalSeconds: 60,
        debounceMs: 120,
      });
      expect(agent.settings.heartbeatIntervalSeconds).toBe(60);
      expect(agent.counters.badCloudMessages).toBe(1);
    });

    it('applies the delta found in get/accepted', async () => {
      // Act
      await broker.publish(
        topics.shadow(THING, 'get/accepted'),
        JSON.stringify({
          state: { desired: { heldOpenLimitSeconds: 9 }, delta: { heldOpenLimitSeconds: 9 } },
        }),
      );
      // Assess
      await waitUntil(() => agent.settings.heldOpenLimitSeconds === 9, 'settings applied');
    });
  });
});

describe('Class: DoorAgent, across restarts and a full outbox', () => {
  type Ev = {
    type: string;
    seq: number;
    state?: string;
    occurredAt: string;
    openedAt?: string;
    fault?: string;
    active?: boolean;
    message?: string;
  };
  let broker: TestBroker;
  let clock: ManualClock;
  let store: MemoryOutboxStore;
  let dir: string;
  const agents: DoorAgent[] = [];

  beforeEach(async () => {
    broker = await startTestBroker();
    clock = new ManualClock();
    store = new MemoryOutboxStore();
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-agent-state-'));
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (
    sensor: SimulatedDoorSensor,
    options: { maxEvents?: number; stateDir?: string } = {},
  ) => {
    const agent = new DoorAgent({
      config: parseAgentConfig({
        thingName: THING,
        mqtt: { endpoint: broker.url },
        door: { heartbeatIntervalSeconds: 86_400, heldOpenLimitSeconds: 30 },
      }),
      sensor,
      transport: new MqttJsTransport({ url: broker.url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }),
      outbox: new MemoryOutbox({ store, ...(options.maxEvents ? { maxEvents: options.maxEvents } : {}) }),
      clock,
      logger: pino({ level: 'silent' }),
      ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    });
    agents.push(agent);
    await agent.start();
    return agent;
  };
  const stop = async (agent: DoorAgent) => {
    agents.splice(agents.indexOf(agent), 1);
    await agent.stop();
  };
  const events = () => broker.json<Ev>(topics.events(THING));
  const summary = (t0: number) =>
    events().map((e) => `+${(Date.parse(e.occurredAt) - t0) / 1000}s ${e.type} ${e.state ?? ''}`.trim());

  it.each([
    { restartAtS: 20, heldOpenAtS: 30 },
    { restartAtS: 40, heldOpenAtS: undefined },
  ])('resumes a door left open at a restart at +$restartAtS s: one open, one held-open', async ({
    restartAtS,
  }) => {
    // Prepare
    const t0 = clock.now();
    const first = await start(new SimulatedDoorSensor({ initial: 'open', clock }), { stateDir: dir });
    clock.advance(restartAtS * 1_000);
    await waitUntil(() => first.status().outbox.depth === 0 && events().length >= 1, 'sent before restart');
    await stop(first);
    // Act: the door is still open when the agent starts again
    const second = await start(new SimulatedDoorSensor({ initial: 'open', clock }), { stateDir: dir });
    clock.advance((90 - restartAtS) * 1_000);
    await waitUntil(() => events().length === 2 && second.status().outbox.depth === 0, 'held open sent');
    // Assess
    expect(summary(t0)).toEqual(['+0s door.state.changed open', '+30s door.held.open']);
    expect(events()[1]?.openedAt).toBe(new Date(t0).toISOString());
    expect(second.status().doorState).toBe('open');
  });

  it('reports a door that changed while the agent was down, once', async () => {
    // Prepare
    const first = await start(new SimulatedDoorSensor({ initial: 'open', clock }), { stateDir: dir });
    await waitUntil(() => events().length === 1, 'sent before restart');
    await stop(first);
    // Act
    await start(new SimulatedDoorSensor({ initial: 'closed', clock }), { stateDir: dir });
    // Assess
    await waitUntil(() => events().length === 2, 'closed after restart');
    expect(events().map((e) => e.state)).toEqual(['open', 'closed']);
  });

  it('keeps settings applied from the shadow across an offline restart', async () => {
    // Prepare
    const first = await start(new SimulatedDoorSensor({ clock }), { stateDir: dir });
    await waitUntil(() => first.status().connection === 'connected', 'connected');
    await broker.publish(
      topics.shadow(THING, 'update/delta'),
      JSON.stringify({ state: { heldOpenLimitSeconds: 10 } }),
    );
    await waitUntil(() => first.settings.heldOpenLimitSeconds === 10, 'applied');
    await stop(first);
    await broker.pause();
    // Act
    const second = await start(new SimulatedDoorSensor({ clock }), { stateDir: dir });
    // Assess
    expect(second.settings).toMatchObject({ heldOpenLimitSeconds: 10, heartbeatIntervalSeconds: 86_400 });
  });

  it('keeps nothing on disk without a state folder (the simulator)', async () => {
    // Act
    const agent = await start(new SimulatedDoorSensor({ initial: 'open', clock }));
    await waitUntil(() => agent.status().connection === 'connected', 'connected');
    await broker.publish(
      topics.shadow(THING, 'update/delta'),
      JSON.stringify({ state: { heldOpenLimitSeconds: 10 } }),
    );
    await waitUntil(() => agent.settings.heldOpenLimitSeconds === 10, 'applied');
    // Assess
    expect(existsSync(join(dir, 'door-state.json')) || existsSync(join(dir, 'shadow-settings.json'))).toBe(
      false,
    );
  });

  it('ends the cloud on the real door state after an outage that filled the outbox, and says what was lost', async () => {
    // Prepare: room for 4 events; the door's initial state is sent before the outage
    const sensor = new SimulatedDoorSensor({ initial: 'closed', clock });
    const agent = await start(sensor, { maxEvents: 4 });
    await waitUntil(() => events().length === 1 && agent.status().outbox.depth === 0, 'initial state sent');
    await broker.pause();
    await waitUntil(() => agent.status().connection !== 'connected', 'outage');
    // Act: the door keeps being used, and is left open past the limit
    for (const state of ['open', 'closed', 'open', 'closed', 'open', 'closed', 'open'] as const) {
      clock.advance(10_000);
      sensor.set(state);
    }
    clock.advance(60_000);
    await broker.resume();
    await waitUntil(
      () => agent.status().outbox.depth === 0 && events().some((e) => e.type === 'device.fault'),
      'backlog and report sent',
    );
    // Assess
    const doorStates = events().filter((e) => e.type === 'door.state.changed');
    expect(doorStates.at(-1)?.state).toBe('open');
    expect(agent.status().doorState).toBe('open');
    const faults = events().filter((e) => e.type === 'device.fault');
    expect(faults.map((f) => [f.fault, f.active])).toEqual([
      ['outbox.full', true],
      ['outbox.full', false],
    ]);
    expect(faults[1]?.message).toMatch(/^3 events not kept .*: 1 refused, 2 door states superseded/);
    const seqs = events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

describe('Constant: LOG_REDACT_PATHS', () => {
  it('keeps badge ids and secrets out of log lines', () => {
    // Prepare
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = pino({ redact: LOG_REDACT_PATHS }, sink);
    // Act
    logger.info({ badgeId: '0012345678', scan: { badgeId: '0099' }, secret: 's3cret', key: 'PEM' }, 'scan');
    // Assess
    expect(out).not.toMatch(/0012345678|0099|s3cret|PEM/);
    expect(out).toContain('[Redacted]');
  });
});
