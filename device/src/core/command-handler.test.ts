import { topics } from '@smartdoor/shared';
import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { Transport } from '../transport/types.js';
import type { Clock } from './clock.js';
import { BAD_MESSAGE_WARN_INTERVAL_MS, CommandHandler } from './command-handler.js';

const SETTINGS = { heldOpenLimitSeconds: 30, heartbeatIntervalSeconds: 300, debounceMs: 50 };

/** A handler on a manual clock, with a logger that records warnings. */
function setup() {
  let now = 0;
  const clock: Clock = {
    now: () => now,
    monotonic: () => now,
    setTimeout: () => undefined,
    clearTimeout: () => undefined,
  };
  const warn = vi.fn();
  const logger = { warn, debug: vi.fn(), info: vi.fn() } as unknown as Logger;
  const counters = { commands: 0, duplicateCommands: 0, badCloudMessages: 0 };
  const publish = vi.fn(async () => undefined);
  const handler = new CommandHandler({
    thingName: 'door-001',
    transport: { publish } as unknown as Transport,
    logger,
    counters,
    clock,
    getSettings: () => SETTINGS,
    applySettings: vi.fn(),
  });
  return { handler, warn, counters, publish, advance: (ms: number) => (now += ms) };
}

describe('Class: CommandHandler', () => {
  it('warns of bad commands at most once a minute, counting every one', () => {
    // Prepare
    const { handler, warn, counters, advance } = setup();
    const bad = Buffer.from('not json');
    // Act
    for (let i = 0; i < 3_000; i++) handler.handle(topics.commands('door-001'), bad);
    advance(BAD_MESSAGE_WARN_INTERVAL_MS);
    handler.handle(topics.commands('door-001'), bad);
    // Assess
    expect(counters.badCloudMessages).toBe(3_001);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]![0]).not.toHaveProperty('suppressed');
    expect(warn.mock.calls[1]![0]).toMatchObject({ suppressed: 2_999 });
    expect(warn.mock.calls[1]![1]).toBe('command ignored');
  });

  it.each([
    'null',
    '[]',
    '{"state":null}',
    '{"version":3}',
  ])('counts and logs a shadow delta of %s as a bad message', (payload) => {
    // Prepare
    const { handler, warn, counters, publish } = setup();
    // Act
    handler.handle(topics.shadow('door-001', 'update/delta'), Buffer.from(payload));
    // Assess
    expect(counters.badCloudMessages).toBe(1);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: expect.any(String) }),
      'shadow document ignored',
    );
    expect(publish).not.toHaveBeenCalled();
  });
});
