import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, createOutbox, type OutboxKind, outboxPath } from './agent-factory.js';
import { OutboxStrandedError } from './core/errors.js';
import { EventFactory } from './core/event-factory.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import { MqttJsTransport } from './transport/mqttjs-transport.js';

describe('Function: createOutbox', () => {
  const factory = new EventFactory({ thingName: 'door-001' });
  let dir: string;
  let config: AgentConfig;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-factory-'));
    config = parseAgentConfig({
      thingName: 'door-001',
      dataDir: dir,
      mqtt: { endpoint: 'mqtt://127.0.0.1:1' },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An outbox of `kind` in the data folder with `count` events appended, then `acked` of them acknowledged. */
  const fill = async (kind: OutboxKind, count: number, acked = 0) => {
    const outbox = createOutbox(config, kind);
    await outbox.start();
    for (let i = 0; i < count; i++) {
      outbox.append((seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0), 0);
    }
    for (const e of outbox.read(0, acked)) outbox.ack(e.seq);
    await outbox.stop();
  };

  it.each([
    ['sqlite', 'log'],
    ['log', 'sqlite'],
  ] as const)('refuses the %s outbox while the %s one still holds unsent events, naming both', async (kind, other) => {
    // Prepare
    await fill(other, 3);
    // Act
    const act = () => createOutbox(config, kind);
    // Assess
    expect(act).toThrow(OutboxStrandedError);
    expect(act).toThrow(`${outboxPath(dir, other)} (the ${other} outbox) still holds 3 unsent event(s)`);
    expect(act).toThrow(`--outbox ${other}`);
    expect(act).toThrow(`(outbox ${outboxPath(dir, kind)})`);
  });

  it('switches store once the other one has sent everything', async () => {
    // Prepare
    await fill('log', 2, 2);
    // Act
    const outbox = createOutbox(config, 'sqlite');
    // Assess
    expect(outbox.file).toBe(outboxPath(dir, 'sqlite'));
  });

  it.each([
    ['log', 'sqlite'],
    ['sqlite', 'log'],
  ] as const)('carries seq on from the %s outbox when the %s one takes over, and back', async (first, second) => {
    // Prepare: 3 events through the first store, 2 through the second, all sent.
    await fill(first, 3, 3);
    await fill(second, 2, 2);
    // Act: back to the first store, whose own file last handed out seq 3.
    const outbox = createOutbox(config, first);
    await outbox.start();
    const { entry } = outbox.append(
      (seq) => factory.create({ type: 'door.state.changed', state: 'open' }, seq, 0),
      0,
    );
    await outbox.stop();
    // Assess: seq survives the switches (DESIGN.md: consumers use it to see gaps and order).
    expect(entry.seq).toBe(6);
  });

  it('names the outbox file in the agent status, for `status` to look into', async () => {
    // Prepare + Act
    const agent = await buildAgent(config, {
      outboxKind: 'sqlite',
      sensor: new SimulatedDoorSensor(),
      badgeSecret: 'a-test-secret-of-enough-bytes',
      transport: new MqttJsTransport({ url: 'mqtt://127.0.0.1:1' }),
      logger: pino({ level: 'silent' }),
    });
    // Assess
    expect(agent.status().outboxFile).toBe(outboxPath(dir, 'sqlite'));
  });
});
