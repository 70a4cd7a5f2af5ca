/**
 * The contract every Outbox implementation keeps. Each implementation's test file calls
 * `describeOutboxContract(name, factory)`. Roles: a *fixture* owns one storage location
 * (a temp folder, or a shared memory store); `fixture.create()` opens a new outbox over
 * it, so calling it again after `stop()` models a restart.
 */

import type { DeviceEventBody } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxError, OutboxFullError } from '../core/errors.js';
import { EventFactory } from '../core/event-factory.js';
import type { Outbox, OutboxOptions } from './types.js';

export interface OutboxFixture {
  create(options?: OutboxOptions): Outbox;
  cleanup(): Promise<void>;
}

const factory = new EventFactory({ thingName: 'door-001' });
const NOW = Date.UTC(2026, 10, 22, 12);

const door = (state: 'open' | 'closed'): DeviceEventBody => ({ type: 'door.state.changed', state });
const heartbeat = (): DeviceEventBody => ({
  type: 'device.heartbeat',
  uptimeSeconds: 1,
  doorState: 'closed',
  outboxDepth: 0,
  agentVersion: 'test',
});

function add(outbox: Outbox, body: DeviceEventBody) {
  return outbox.append((seq) => factory.create(body, seq, NOW), NOW);
}

export function describeOutboxContract(
  name: string,
  makeFixture: () => OutboxFixture | Promise<OutboxFixture>,
) {
  describe(`Contract: Outbox (${name})`, () => {
    let fixture: OutboxFixture;
    let open: Outbox[];

    async function start(options?: OutboxOptions): Promise<Outbox> {
      const outbox = fixture.create(options);
      await outbox.start();
      open.push(outbox);
      return outbox;
    }

    async function restart(outbox: Outbox, options?: OutboxOptions): Promise<Outbox> {
      await outbox.stop();
      return start(options);
    }

    beforeEach(async () => {
      fixture = await makeFixture();
      open = [];
    });

    afterEach(async () => {
      for (const o of open) await o.stop();
      await fixture.cleanup();
    });

    describe('Method: append', () => {
      it('assigns consecutive seqs from 1 and stores the event as JSON', async () => {
        // Prepare
        const outbox = await start();
        // Act
        const a = add(outbox, door('open'));
        const b = add(outbox, door('closed'));
        // Assess
        expect([a.entry.seq, b.entry.seq]).toEqual([1, 2]);
        const event = JSON.parse(a.entry.payload);
        expect(event).toMatchObject({
          seq: 1,
          type: 'door.state.changed',
          state: 'open',
          thingName: 'door-001',
        });
        expect(event.idempotencyKey).toBe(a.entry.idempotencyKey);
        expect(outbox.depth).toBe(2);
      });

      it('throws an OutboxError when the outbox is not started', async () => {
        // Prepare
        const outbox = fixture.create();
        // Act / Assess
        expect(() => add(outbox, door('open'))).toThrow(OutboxError);
      });
    });

    describe('Method: read', () => {
      it('returns entries after a seq, oldest first, up to the limit', async () => {
        // Prepare
        const outbox = await start();
        for (let i = 0; i < 5; i++) add(outbox, door(i % 2 ? 'open' : 'closed'));
        // Act
        const page = outbox.read(2, 2);
        // Assess
        expect(page.map((e) => e.seq)).toEqual([3, 4]);
        expect(outbox.read(0, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(outbox.read(5, 10)).toEqual([]);
      });
    });

    describe('Method: ack', () => {
      it('removes the acknowledged entry and ignores unknown seqs', async () => {
        // Prepare
        const outbox = await start();
        add(outbox, door('open'));
        add(outbox, door('closed'));
        // Act
        outbox.ack(1);
        outbox.ack(99);
        // Assess
        expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([2]);
        expect(outbox.stats()).toMatchObject({ depth: 1, oldestSeq: 2, nextSeq: 3 });
      });
    });

    describe('Method: start (restart)', () => {
      it('recovers unacknowledged entries with the same keys and continues the seq', async () => {
        // Prepare
        let outbox = await start();
        const first = add(outbox, door('open')).entry;
        add(outbox, door('closed'));
        add(outbox, door('open'));
        outbox.ack(2);
        // Act
        outbox = await restart(outbox);
        const next = add(outbox, door('closed')).entry;
        // Assess
        const entries = outbox.read(0, 10);
        expect(entries.map((e) => e.seq)).toEqual([1, 3, 4]);
        expect(entries[0]).toEqual(first);
        expect(next.seq).toBe(4);
      });

      it('never reuses a seq when everything was acknowledged before the restart', async () => {
        // Prepare
        let outbox = await start();
        for (let i = 0; i < 3; i++) add(outbox, door('open'));
        for (let seq = 1; seq <= 3; seq++) outbox.ack(seq);
        // Act
        outbox = await restart(outbox);
        const next = add(outbox, door('closed')).entry;
        // Assess
        expect(next.seq).toBe(4);
        expect(outbox.depth).toBe(1);
      });
    });

    describe('Policy: full outbox', () => {
      it('evicts the oldest heartbeat to make room for a door event', async () => {
        // Prepare
        const outbox = await start({ maxEvents: 3 });
        add(outbox, door('open'));
        add(outbox, heartbeat());
        add(outbox, heartbeat());
        // Act
        const result = add(outbox, door('closed'));
        // Assess
        expect(result.evicted).toEqual([2]);
        expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([1, 3, 4]);
        expect(outbox.stats().evictedHeartbeats).toBe(1);
      });

      it('refuses new events, heartbeats included, when only door events remain', async () => {
        // Prepare
        const outbox = await start({ maxEvents: 2 });
        add(outbox, door('open'));
        add(outbox, door('closed'));
        // Act / Assess
        expect(() => add(outbox, heartbeat())).toThrow(OutboxFullError);
        expect(() =>
          add(outbox, { type: 'door.held.open', openedAt: new Date(0).toISOString(), limitSeconds: 30 }),
        ).toThrow(OutboxFullError);
        expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([1, 2]);
        expect(outbox.stats()).toMatchObject({ refused: 2, nextSeq: 3 });
      });

      it('never refuses the latest door state: one slot over the bound, then each newer state supersedes it', async () => {
        // Prepare
        let outbox = await start({ maxEvents: 2 });
        add(outbox, door('open'));
        add(outbox, door('closed'));
        // Act
        add(outbox, door('open'));
        const newer = add(outbox, door('closed'));
        outbox = await restart(outbox, { maxEvents: 2 });
        const newest = add(outbox, door('open'));
        // Assess
        expect(newer.superseded).toBe(3);
        expect(newest.superseded).toBe(4);
        const left = outbox.read(0, 10);
        expect(left.map((e) => e.seq)).toEqual([1, 2, 5]);
        expect(JSON.parse(left[2]!.payload)).toMatchObject({ type: 'door.state.changed', state: 'open' });
        expect(outbox.stats()).toMatchObject({ depth: 3, refused: 0, supersededStates: 1, nextSeq: 6 });
      });

      it('keeps the eviction across a restart', async () => {
        // Prepare
        let outbox = await start({ maxEvents: 2 });
        add(outbox, heartbeat());
        add(outbox, door('open'));
        add(outbox, door('closed'));
        // Act
        outbox = await restart(outbox, { maxEvents: 2 });
        // Assess
        expect(outbox.read(0, 10).map((e) => e.seq)).toEqual([2, 3]);
      });
    });
  });
}
