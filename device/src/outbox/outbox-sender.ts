import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../core/clock.js';
import { PublishRefusedError } from '../core/errors.js';
import { fullJitterDelay } from '../transport/backoff.js';
import type { Transport } from '../transport/types.js';
import type { Outbox, OutboxEntry } from './types.js';

export interface OutboxSenderOptions {
  outbox: Outbox;
  transport: Transport;
  topic: string;
  clock: Clock;
  logger: Logger;
  /**
   * Publishes awaiting their PUBACK at once.
   * @default 10
   */
  inflight?: number;
  /** Called after each PUBACK, with the entry that left the outbox. */
  onPuback?: (entry: OutboxEntry, at: number) => void;
}

/**
 * Moves events from the outbox to the broker, in seq order: up to `inflight` QoS 1
 * publishes at once on one connection (the broker keeps their order), each removed from
 * the outbox only on its PUBACK. Whenever the connection is (re)made, or a publish is
 * refused, it starts again from the oldest waiting event, under the same keys.
 */
export class OutboxSender {
  #lastSent = 0;
  #inflight = 0;
  #generation = 0;
  #running = false;
  /**
   * Set by restart() when the owner has seen the connection come up, cleared by pause().
   * Sending waits for it, not only for the transport's state: an append that lands
   * between the transport connecting and the owner's connection callback would otherwise
   * be sent, then sent again by the restart() that callback makes.
   */
  #online = false;
  #refusals = 0;
  #retryTimer: TimerHandle | undefined;
  publishErrors = 0;
  lastPubackAt: number | undefined;
  published = 0;
  readonly #max: number;

  constructor(private readonly o: OutboxSenderOptions) {
    this.#max = o.inflight ?? 10;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Begin; nothing is sent until restart() says the connection is up. */
  start(): void {
    this.#running = true;
  }

  stop(): void {
    this.#running = false;
    this.#generation++;
    if (this.#retryTimer !== undefined) this.o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** The connection went down: send nothing until the next restart(). */
  pause(): void {
    this.#online = false;
  }

  /** Forget what was in flight and resend from the oldest entry (on every new connection). */
  restart(): void {
    this.#online = true;
    this.#generation++;
    this.#lastSent = 0;
    this.#inflight = 0;
    this.pump();
  }

  /** Send what fits in the window; call after an append or a PUBACK. */
  pump(): void {
    if (!this.#running || !this.#online || this.#retryTimer !== undefined) return;
    if (this.o.transport.state !== 'connected') return;
    const room = this.#max - this.#inflight;
    if (room <= 0) return;
    const generation = this.#generation;
    for (const entry of this.o.outbox.read(this.#lastSent, room)) {
      this.#lastSent = entry.seq;
      this.#inflight++;
      this.o.transport.publish(this.o.topic, entry.payload, { qos: 1 }).then(
        () => this.#acked(entry, generation),
        (err: Error) => this.#failed(entry, generation, err),
      );
    }
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.#inflight > 0 && this.o.transport.state === 'connected' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  #acked(entry: OutboxEntry, generation: number): void {
    // A PUBACK is a PUBACK, even from an earlier connection: the broker has the event.
    try {
      this.o.outbox.ack(entry.seq);
    } catch (err) {
      this.o.logger.warn({ err, seq: entry.seq }, 'PUBACK after the outbox closed; the event will be resent');
      return;
    }
    const at = this.o.clock.now();
    this.lastPubackAt = at;
    this.published++;
    this.#refusals = 0;
    this.o.onPuback?.(entry, at);
    if (generation !== this.#generation) return;
    this.#inflight--;
    this.pump();
  }

  #failed(entry: OutboxEntry, generation: number, err: Error): void {
    if (generation !== this.#generation) return;
    this.#inflight--;
    this.publishErrors++;
    if (!(err instanceof PublishRefusedError)) {
      // Connection trouble: the transport reconnects, and restart() resends from the oldest.
      this.o.logger.debug({ err: err.message, seq: entry.seq }, 'publish not acknowledged');
      return;
    }
    // Refused (e.g. not authorized): keep the event, never drop it, and retry with backoff
    // so that a policy fixed in the cloud lets the backlog through in order.
    const delay = fullJitterDelay(this.#refusals++, 1_000, 60_000);
    this.o.logger.error(
      { seq: entry.seq, reasonCode: err.reasonCode, retryInMs: delay },
      'broker refused an event; keeping it and retrying',
    );
    this.#generation++;
    this.#inflight = 0;
    this.#lastSent = 0;
    this.#retryTimer = this.o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.pump();
    }, delay);
  }
}
