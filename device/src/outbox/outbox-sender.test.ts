import type { DeviceEvent } from '@smartdoor/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import type { Transport } from '../transport/types.js';
import { MemoryOutbox } from './memory-outbox.js';
import { OutboxSender } from './outbox-sender.js';

/** A transport that is already connected and records what it is asked to publish. */
function recordingTransport() {
  const sent: string[] = [];
  const transport = {
    name: 'recording',
    state: 'connected',
    publish: async (_topic: string, payload: string | Buffer) => {
      sent.push(String(payload));
    },
  } as unknown as Transport;
  return { transport, sent };
}

const event = (seq: number): DeviceEvent => ({
  schemaVersion: 1,
  type: 'door.state.changed',
  thingName: 'door-001',
  seq,
  occurredAt: '2026-11-22T12:00:00.000Z',
  idempotencyKey: `0193a1b2-7c4d-7e8f-9a0b-${String(seq).padStart(12, '0')}`,
  state: 'open',
});

describe('Class: OutboxSender', () => {
  describe('Method: restart', () => {
    it('sends an event appended between the transport connecting and the connection callback once (regression)', async () => {
      // Prepare: the transport already reports connected; the owner's callback has not run.
      const { transport, sent } = recordingTransport();
      const outbox = new MemoryOutbox();
      await outbox.start();
      const sender = new OutboxSender({
        outbox,
        transport,
        topic: 't',
        clock: new ManualClock(),
        logger: pino({ level: 'silent' }),
      });
      sender.start();
      outbox.append(event, 0);
      // Act
      sender.pump();
      const beforeCallback = sent.length;
      sender.restart();
      await new Promise((r) => setImmediate(r));
      // Assess
      expect(beforeCallback).toBe(0);
      expect(sent).toHaveLength(1);
    });

    it('stops sending on pause and resends the unacknowledged backlog from the oldest on restart', async () => {
      // Prepare
      const { transport, sent } = recordingTransport();
      let release: () => void = () => {};
      (transport as { publish: unknown }).publish = (_t: string, p: string) => {
        sent.push(String(p));
        return new Promise<void>((r) => {
          release = r;
        });
      };
      const outbox = new MemoryOutbox();
      await outbox.start();
      const sender = new OutboxSender({
        outbox,
        transport,
        topic: 't',
        clock: new ManualClock(),
        logger: pino({ level: 'silent' }),
      });
      sender.start();
      sender.restart();
      outbox.append(event, 0);
      sender.pump();
      // Act
      sender.pause();
      outbox.append(event, 0);
      sender.pump();
      const whilePaused = sent.length;
      sender.restart();
      release();
      // Assess
      expect(whilePaused).toBe(1);
      expect(sent.map((p) => JSON.parse(p).seq)).toEqual([1, 1, 2]);
    });
  });
});
