import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Database } from 'better-sqlite3';
import { type Clock, SYSTEM_CLOCK } from './clock.js';
import {
  BatchNotTakenError,
  QueueAttributeValueError,
  QueueDoesNotExistError,
  QueueValidationError,
  ReceiptHandleInvalidError,
} from './errors.js';
import {
  MESSAGE_RETENTION,
  type QueueAttributes,
  type QueueDepth,
  type QueueMessage,
  type ReceivedMessage,
} from './model.js';
import { type QueueStore, receiptFor, SqliteQueueStore, type StoredMessage } from './queue-store.js';

export interface LocalQueuesOptions {
  /** Shared SQLite handle (the local cloud keeps one file). */
  db: Database;
  /** @default the system clock */
  clock?: Clock;
  /** @default crypto.randomUUID */
  newId?: () => string;
  /** A listener that threw: reported here, never thrown into a send or receive. */
  onError?: (err: unknown) => void;
}

/** How often the queues delete the messages past their retention (also once at start). */
export const RETENTION_SWEEP_MS = 3_600_000;

/** What {@link LocalQueues.setQueueAttributes} changes; an attribute left out keeps its value. */
export interface QueueAttributeChanges {
  visibilityTimeoutSeconds?: number;
  messageRetentionSeconds?: number;
  /** The dead-letter queue and its receive count; `null` removes them (SQS: an empty RedrivePolicy). */
  redrive?: { maxReceiveCount: number; deadLetterQueue: string } | null;
}

export interface SubscribeOptions {
  /**
   * Delay between polls of an empty queue.
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * Messages taken per poll (SQS MaxNumberOfMessages).
   * @default 10
   */
  batchSize?: number;
  /**
   * Batches handled at once, as a Lambda event source mapping runs several pollers on a
   * busy queue (its MaximumConcurrency). More than one only when the queue has more than a
   * batch waiting.
   * @default 1
   */
  concurrency?: number;
}

/**
 * A consumer's handler for a whole batch, as Lambda invokes a function with an SQS batch:
 * it resolves with the messages it failed, each with its error (they come back after the
 * visibility timeout); the others are deleted. A throw fails the whole batch, except a
 * {@link BatchNotTakenError}, which puts it back as it was (receive counts unchanged).
 */
export type QueueBatchHandler = (
  messages: ReceivedMessage[],
) => Promise<Array<{ receiptHandle: string; error: unknown }>>;

export interface LocalQueuesEvents {
  'message-sent': [{ queue: string; messageId: string }];
  'message-dead-lettered': [
    {
      queue: string;
      deadLetterQueue: string;
      messageId: string;
      receiveCount: number;
      /** The last consumer's error, when one was recorded. */
      reason?: string;
    },
  ];
}

interface Subscription {
  queue: string;
  handler: QueueBatchHandler;
  opts: Required<SubscribeOptions>;
  timer?: unknown;
  timerAt?: number | undefined;
  /** Batches in the handler's hands (up to opts.concurrency). */
  active: number;
  /** Receipts of messages handled, and failures with their reasons, not yet written. */
  handled: string[];
  failed: Array<{ receipt: string; error: string }>;
  /** Receipts of batches the consumer did not take, to put back as they were. */
  returned: string[];
  stopped: boolean;
}

/**
 * SQS-like queues in SQLite: visibility timeout, maximum receive count and redrive to a
 * dead-letter queue (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html),
 * message retention. Consumers poll (receive/delete) or subscribe.
 */
export class LocalQueues extends EventEmitter<LocalQueuesEvents> {
  readonly #db: Database;
  readonly #store: QueueStore;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #subs = new Set<Subscription>();
  readonly #onError: ((err: unknown) => void) | undefined;
  #sweepTimer: unknown;

  constructor(opts: LocalQueuesOptions) {
    super();
    this.#db = opts.db;
    this.#store = new SqliteQueueStore(opts.db);
    this.#clock = opts.clock ?? SYSTEM_CLOCK;
    this.#newId = opts.newId ?? randomUUID;
    this.#onError = opts.onError;
  }

  /**
   * Deletes the messages past their queue's retention now, then every
   * {@link RETENTION_SWEEP_MS} on the queues' clock, until {@link stop}. (A receive never
   * returns one in between: it deletes those it comes across.)
   */
  start(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweep();
  }

  /** Stops the retention sweep and every subscription's poller. */
  stop(): void {
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    for (const sub of this.#subs) this.#unsubscribe(sub);
  }

  /**
   * Creates a queue, or updates its attributes when it exists (CreateQueue is idempotent).
   * An attribute left out takes its default, except the message retention of a queue that
   * exists, which stays as it is: a createQueue at every start (a subscriber's DLQ) must not
   * undo a retention set since, and so cut its messages' life short.
   */
  createQueue(name: string, attrs: Partial<QueueAttributes> = {}): void {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new QueueValidationError(`Queue name ${name} must be 1-80 characters of [A-Za-z0-9_-].`);
    }
    const full: QueueAttributes = {
      visibilityTimeoutSeconds: attrs.visibilityTimeoutSeconds ?? 30,
      messageRetentionSeconds:
        attrs.messageRetentionSeconds ??
        this.#store.getQueue(name)?.messageRetentionSeconds ??
        MESSAGE_RETENTION.defaultSeconds,
    };
    if (attrs.maxReceiveCount !== undefined) full.maxReceiveCount = attrs.maxReceiveCount;
    if (attrs.deadLetterQueue !== undefined) full.deadLetterQueue = attrs.deadLetterQueue;
    this.#store.putQueue(name, checkAttributes(name, full));
  }

  /**
   * Changes some attributes of a queue (SQS SetQueueAttributes); those left out keep their
   * values. A shorter retention applies to the messages already there: those now past it are
   * deleted, never received.
   */
  setQueueAttributes(name: string, changes: QueueAttributeChanges): void {
    const full: QueueAttributes = { ...this.#attrs(name) };
    if (changes.visibilityTimeoutSeconds !== undefined)
      full.visibilityTimeoutSeconds = changes.visibilityTimeoutSeconds;
    if (changes.messageRetentionSeconds !== undefined)
      full.messageRetentionSeconds = changes.messageRetentionSeconds;
    if (changes.redrive === null) {
      delete full.maxReceiveCount;
      delete full.deadLetterQueue;
    } else if (changes.redrive !== undefined) {
      full.maxReceiveCount = changes.redrive.maxReceiveCount;
      full.deadLetterQueue = changes.redrive.deadLetterQueue;
    }
    this.#store.putQueue(name, checkAttributes(name, full));
  }

  /** A queue's attributes; QueueDoesNotExist when there is no such queue. */
  getQueueAttributes(name: string): Readonly<QueueAttributes> {
    return this.#attrs(name);
  }

  hasQueue(name: string): boolean {
    return this.#store.getQueue(name) !== undefined;
  }

  listQueues(): Array<{ name: string; attrs: QueueAttributes }> {
    return this.#store.listQueues();
  }

  /**
   * Sends a message; `delaySeconds` (0-900, SQS DelaySeconds) keeps it invisible that long.
   * `attributeTypes` names the data types of attributes that are not plain `String`.
   */
  send(
    queue: string,
    body: string,
    attributes: Record<string, string> = {},
    opts: { delaySeconds?: number; attributeTypes?: Record<string, string> | undefined } = {},
  ): string {
    this.#attrs(queue);
    const delay = opts.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw new QueueValidationError(`DelaySeconds must be an integer from 0 to 900, received ${delay}.`);
    }
    const messageId = this.#newId();
    const now = this.#clock.now();
    const message: QueueMessage = { messageId, body, attributes, sentAt: now, receiveCount: 0 };
    if (opts.attributeTypes) message.attributeTypes = opts.attributeTypes;
    this.#store.insert(queue, message, now + delay * 1000);
    this.#emitLater('message-sent', { queue, messageId });
    // Delayed messages are found by the regular polls once visible.
    if (delay === 0) for (const sub of this.#subs) if (sub.queue === queue) this.#schedule(sub, 0);
    return messageId;
  }

  /**
   * Receives up to `max` visible messages and hides them for the visibility timeout. A message
   * whose receive count would exceed maxReceiveCount moves to the dead-letter queue instead.
   */
  receive(queue: string, opts: { max?: number; visibilityTimeoutSeconds?: number } = {}): ReceivedMessage[] {
    const attrs = this.#attrs(queue);
    const max = opts.max ?? 1;
    if (max < 1 || max > 10) throw new QueueValidationError('MaxNumberOfMessages must be 1-10.');
    const now = this.#clock.now();
    const hideUntil = now + (opts.visibilityTimeoutSeconds ?? attrs.visibilityTimeoutSeconds) * 1000;
    // One commit for the whole batch instead of one per message.
    return this.#store.transaction(() => this.#receive(queue, attrs, now, hideUntil, max));
  }

  #receive(
    queue: string,
    attrs: QueueAttributes,
    now: number,
    hideUntil: number,
    max: number,
  ): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    const sentFrom = retainedFrom(attrs, now);
    const seen = new Set<number>();
    for (;;) {
      // Past the rows already looked at: a visibility timeout of 0 leaves received ones visible.
      const limit = max - out.length + seen.size;
      const batch = this.#store.visible(queue, now, limit);
      let expired = 0;
      for (const msg of batch) {
        if (out.length >= max) break;
        if (seen.has(msg.key)) continue;
        seen.add(msg.key);
        // Past its retention (counted from when it was first sent): deleted, as SQS does.
        if (msg.sentAt < sentFrom) {
          this.#store.delete(msg.key);
          expired++;
          continue;
        }
        const received = this.#receiveOne(queue, attrs, msg, now, hideUntil);
        if (received) out.push(received);
      }
      // Expired messages took room in a full batch: look again for the ones behind them.
      if (expired === 0 || out.length >= max || batch.length < limit) break;
    }
    return out;
  }

  /** Receives one message, or moves it to the dead-letter queue (undefined) past maxReceiveCount. */
  #receiveOne(
    queue: string,
    attrs: QueueAttributes,
    msg: StoredMessage,
    now: number,
    hideUntil: number,
  ): ReceivedMessage | undefined {
    if (
      attrs.maxReceiveCount !== undefined &&
      attrs.deadLetterQueue &&
      msg.receiveCount >= attrs.maxReceiveCount
    ) {
      this.#store.move(msg.key, attrs.deadLetterQueue, now, false);
      this.#emitLater('message-dead-lettered', {
        queue,
        deadLetterQueue: attrs.deadLetterQueue,
        messageId: msg.messageId,
        receiveCount: msg.receiveCount,
        ...(msg.lastError === undefined ? {} : { reason: msg.lastError }),
      });
      return undefined;
    }
    const receiptHandle = receiptFor(msg.key, this.#newId());
    const receiveCount = msg.receiveCount + 1;
    this.#store.markReceived(msg.key, receiptHandle, hideUntil, receiveCount);
    const received: ReceivedMessage = {
      messageId: msg.messageId,
      body: msg.body,
      attributes: msg.attributes,
      sentAt: msg.sentAt,
      receiveCount,
      receiptHandle,
    };
    if (msg.attributeTypes) received.attributeTypes = msg.attributeTypes;
    if (msg.lastError !== undefined) received.lastError = msg.lastError;
    return received;
  }

  deleteMessage(queue: string, receiptHandle: string): void {
    if (!this.#store.deleteByReceipt(queue, receiptHandle))
      throw new ReceiptHandleInvalidError(receiptHandle);
  }

  /** Removes one message by id (a redrive that took it elsewhere). Returns whether it was there. */
  deleteById(queue: string, messageId: string): boolean {
    const msg = this.#store.byMessageId(queue, messageId);
    if (msg) this.#store.delete(msg.key);
    return msg !== undefined;
  }

  changeVisibility(queue: string, receiptHandle: string, seconds: number): void {
    const msg = this.#store.byReceipt(queue, receiptHandle);
    if (!msg) throw new ReceiptHandleInvalidError(receiptHandle);
    this.#store.setVisibleAt(msg.key, this.#clock.now() + seconds * 1000);
  }

  depth(queue: string): QueueDepth {
    this.#attrs(queue);
    return this.#store.depth(queue, this.#clock.now());
  }

  /** Messages in a queue without receiving them (dashboard, DLQ inspection), those past its retention left out. */
  peek(queue: string, limit = 100): QueueMessage[] {
    const sentFrom = retainedFrom(this.#attrs(queue), this.#clock.now());
    return this.#store
      .peek(queue, limit, sentFrom)
      .map(({ key: _key, receipt: _receipt, ...message }) => message);
  }

  purge(queue: string): number {
    this.#attrs(queue);
    return this.#store.purge(queue);
  }

  /**
   * Moves every message of a dead-letter queue back to `toQueue`, visible now and with a
   * fresh receive count (SQS dead-letter queue redrive). Returns how many moved.
   */
  redrive(deadLetterQueue: string, toQueue: string): number {
    this.#attrs(deadLetterQueue);
    this.#attrs(toQueue);
    let moved = 0;
    for (;;) {
      const batch = this.#store.peek(deadLetterQueue, 100);
      if (batch.length === 0) break;
      for (const msg of batch) this.#store.move(msg.key, toQueue, this.#clock.now(), true);
      moved += batch.length;
    }
    for (const sub of this.#subs) if (sub.queue === toQueue) this.#schedule(sub, 0);
    return moved;
  }

  /**
   * Polls a queue and hands each batch it receives to `handler` at once, as Lambda's event
   * source mapping does; returns the unsubscribe function.
   */
  subscribe(queue: string, handler: QueueBatchHandler, opts: SubscribeOptions = {}): () => void {
    this.#attrs(queue);
    const sub: Subscription = {
      queue,
      handler,
      opts: {
        pollIntervalMs: opts.pollIntervalMs ?? 1000,
        batchSize: opts.batchSize ?? 10,
        concurrency: opts.concurrency ?? 1,
      },
      active: 0,
      handled: [],
      failed: [],
      returned: [],
      stopped: false,
    };
    this.#subs.add(sub);
    this.#schedule(sub, 0);
    return () => this.#unsubscribe(sub);
  }

  #unsubscribe(sub: Subscription): void {
    sub.stopped = true;
    if (sub.timer !== undefined) this.#clock.clearTimeout(sub.timer);
    sub.timer = undefined;
    this.#subs.delete(sub);
    // What finished before the stop is written now rather than redelivered after it.
    try {
      this.#store.transaction(() => this.#writeSettled(sub));
    } catch (err) {
      this.#reportError(err);
    }
  }

  /** Schedules the subscription's next turn, keeping an earlier one already planned. */
  #schedule(sub: Subscription, ms: number): void {
    if (sub.stopped) return;
    const at = this.#clock.now() + ms;
    if (sub.timer !== undefined) {
      if ((sub.timerAt ?? Number.POSITIVE_INFINITY) <= at) return;
      this.#clock.clearTimeout(sub.timer);
    }
    sub.timerAt = at;
    sub.timer = this.#clock.setTimeout(() => {
      sub.timer = undefined;
      sub.timerAt = undefined;
      this.#turn(sub);
    }, ms);
  }

  /**
   * One turn of a subscription, in one commit: the deletes and failure reasons of the
   * batches that finished since the last turn, then a batch for every free slot while the
   * queue has visible messages. Filling every slot in one turn matters: one poll per turn
   * of the event loop left a busy queue with a handful of batches in flight and thousands of
   * messages waiting, while the consumer's thread sat idle.
   */
  #turn(sub: Subscription): void {
    if (sub.stopped) return;
    const batches: ReceivedMessage[][] = [];
    let drained = false;
    try {
      this.#store.transaction(() => {
        this.#writeSettled(sub);
        const attrs = this.#attrs(sub.queue);
        const now = this.#clock.now();
        const hideUntil = now + attrs.visibilityTimeoutSeconds * 1000;
        for (let free = sub.opts.concurrency - sub.active; free > 0 && !drained; free--) {
          const batch = this.#receive(sub.queue, attrs, now, hideUntil, sub.opts.batchSize);
          if (batch.length > 0) batches.push(batch);
          drained = batch.length < sub.opts.batchSize;
        }
      });
    } catch (err) {
      // The queue is gone or the store failed: nothing was received; try again later.
      batches.length = 0;
      drained = true;
      if (!(err instanceof QueueDoesNotExistError)) this.#reportError(err);
    }
    for (const batch of batches) void this.#handle(sub, batch);
    // Drained: look again later for delayed messages and expired visibility timeouts. With
    // every slot busy, the next batch to finish schedules the next turn.
    if (drained) this.#schedule(sub, sub.opts.pollIntervalMs);
  }

  /** Hands a batch to the handler; the next turn deletes what it took and records what it failed. */
  async #handle(sub: Subscription, messages: ReceivedMessage[]): Promise<void> {
    sub.active++;
    let failures: Map<string, unknown> | undefined;
    try {
      failures = new Map((await sub.handler(messages)).map((f) => [f.receiptHandle, f.error]));
    } catch (err) {
      if (!(err instanceof BatchNotTakenError))
        failures = new Map(messages.map((m) => [m.receiptHandle, err]));
    }
    if (failures === undefined) {
      for (const m of messages) sub.returned.push(m.receiptHandle);
    } else {
      // Left in place, a failed message comes back after the visibility timeout, and goes to
      // the DLQ after maxReceiveCount, with this reason.
      for (const m of messages) {
        if (failures.has(m.receiptHandle))
          sub.failed.push({
            receipt: m.receiptHandle,
            error: describeFailure(failures.get(m.receiptHandle)),
          });
        else sub.handled.push(m.receiptHandle);
      }
    }
    sub.active--;
    if (sub.stopped) this.#writeLate(sub);
    // A consumer that did not take its batch is stopping: look again only after a poll
    // interval, rather than hand the same messages straight back to it.
    else this.#schedule(sub, failures === undefined ? sub.opts.pollIntervalMs : 0);
  }

  /**
   * A batch that settled after its subscription stopped (the consumer finished what it had
   * when its queue was unsubscribed): written now, or its messages would be redelivered
   * with one more receive counted. Nothing to do once the database is closed.
   */
  #writeLate(sub: Subscription): void {
    if (!this.#db.open) return;
    try {
      this.#store.transaction(() => this.#writeSettled(sub));
    } catch (err) {
      this.#reportError(err);
    }
  }

  /**
   * Deletes the handled messages, records the failures' reasons and puts back the batches
   * not taken. A crash before their commit only redelivers messages already handled (at
   * least once; handlers are idempotent).
   */
  #writeSettled(sub: Subscription): void {
    const { handled, failed, returned } = sub;
    sub.handled = [];
    sub.failed = [];
    sub.returned = [];
    for (const receipt of handled) this.#store.deleteByReceipt(sub.queue, receipt);
    for (const f of failed) {
      const msg = this.#store.byReceipt(sub.queue, f.receipt);
      if (msg) this.#store.setLastError(msg.key, f.error);
    }
    const now = this.#clock.now();
    for (const receipt of returned) this.#store.releaseByReceipt(sub.queue, receipt, now);
  }

  /** Listeners run after the caller's (possibly transactional) work, and cannot break it. */
  #emitLater<K extends keyof LocalQueuesEvents>(name: K, ...args: LocalQueuesEvents[K]): void {
    queueMicrotask(() => {
      try {
        (this.emit as (n: K, ...a: LocalQueuesEvents[K]) => boolean)(name, ...args);
      } catch (err) {
        this.#reportError(err);
      }
    });
  }

  /** Deletes every queue's messages past its retention, then plans the next sweep. */
  #sweep(): void {
    try {
      const now = this.#clock.now();
      for (const { name, attrs } of this.#store.listQueues()) {
        this.#store.transaction(() => this.#store.deleteSentBefore(name, retainedFrom(attrs, now)));
      }
    } catch (err) {
      this.#reportError(err);
    }
    this.#sweepTimer = this.#clock.setTimeout(() => this.#sweep(), RETENTION_SWEEP_MS);
  }

  #reportError(err: unknown): void {
    (this.#onError ?? ((e: unknown) => console.error('local queues: internal failure', e)))(err);
  }

  #attrs(queue: string): QueueAttributes {
    const attrs = this.#store.getQueue(queue);
    if (!attrs) throw new QueueDoesNotExistError(queue);
    return attrs;
  }
}

/** The first sent time a queue still keeps at `now`: older messages are past its retention. */
function retainedFrom(attrs: QueueAttributes, now: number): number {
  return now - attrs.messageRetentionSeconds * 1000;
}

/** A queue's attributes, checked before they are stored; returns them. */
function checkAttributes(name: string, attrs: QueueAttributes): QueueAttributes {
  if (attrs.deadLetterQueue !== undefined && attrs.maxReceiveCount === undefined) {
    throw new QueueValidationError(`Queue ${name}: a dead-letter queue needs maxReceiveCount.`);
  }
  if (attrs.maxReceiveCount !== undefined && (attrs.maxReceiveCount < 1 || attrs.maxReceiveCount > 1000)) {
    throw new QueueValidationError(`Queue ${name}: maxReceiveCount must be 1-1000.`);
  }
  const retention = attrs.messageRetentionSeconds;
  const { minSeconds, maxSeconds } = MESSAGE_RETENTION;
  if (!Number.isInteger(retention) || retention < minSeconds || retention > maxSeconds) {
    throw new QueueAttributeValueError(
      'MessageRetentionPeriod',
      `Invalid value for the parameter MessageRetentionPeriod of queue ${name}: ${JSON.stringify(retention)}. Reason: it must be a whole number of seconds from ${minSeconds} (1 minute) to ${maxSeconds} (14 days).`,
    );
  }
  return attrs;
}

/** A consumer's error as stored with the message: `Name: message`, bounded. */
function describeFailure(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}
