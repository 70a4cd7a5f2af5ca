import {
  DetailType,
  deriveIdempotencyKey,
  EventSource,
  type NotificationFailedDetail,
  type NotificationSentDetail,
  thingArn,
} from '@smartdoor/shared';
import { type EmittedEvent, type EventBridgePort, putBusEvents } from '../../idempotency/bus-publisher.js';
import { type DelayQueue, resendUntilDue, sendCheck } from '../../idempotency/delay-queue.js';
import type { KeyedBusEvent } from '../../idempotency/sqs-batch.js';
import type { SubscriberLog } from '../../idempotency/sqs-types.js';
import { type Alert, COLLAPSE_WINDOW_CLOSED, classify, OFFLINE_CHECK_DUE, offlineAlert } from './alert.js';
import { ChannelDeliveryError, NotificationDeliveryError } from './errors.js';
import type { Notification, NotificationChannel } from './notification.js';
import type { NotificationStore } from './notification-store.js';

export interface NotificationPorts {
  store: NotificationStore;
  channels: NotificationChannel[];
  eventBridge: EventBridgePort;
  delayQueue: DelayQueue;
  now: () => number;
  log: SubscriberLog;
}

export interface NotificationSettings {
  eventBusName: string;
  /** Repeats of one reason at one door within this many seconds make one notification; 0 turns it off. */
  collapseSeconds: number;
  /** A disconnect followed by a connect within this many seconds raises nothing; 0 alerts at once. */
  offlineGraceSeconds: number;
}

export type NotificationOutcome =
  | { action: 'ignored'; why: string }
  | { action: 'recorded' }
  | { action: 'pending'; checkDueAt: string }
  | { action: 'cancelled' }
  | { action: 'collapsed'; windowId: string; repeats: number }
  | { action: 'notified'; notificationId: string; channels: string[]; count: number };

const KEY_PURPOSE = {
  notification: 'notification',
  summary: 'notification-summary',
  window: 'notification-window',
  windowClosed: 'notification-window-closed',
  offlineCheck: 'notification-offline-check',
} as const;

/**
 * The notification subscriber's core: turns alerts into notifications on every channel,
 * collapses repeats per door and reason, waits out short disconnects, and emits
 * Notification Sent / Notification Failed. A channel that fails makes the message fail
 * (retry, then the DLQ); channels already delivered are not sent again on the retry.
 */
export class NotificationService {
  readonly #p: NotificationPorts;
  readonly #s: NotificationSettings;

  constructor(ports: NotificationPorts, settings: NotificationSettings) {
    this.#p = ports;
    this.#s = settings;
  }

  async handle(event: KeyedBusEvent): Promise<NotificationOutcome> {
    const c = classify(event);
    switch (c.kind) {
      case 'ignored':
        return { action: 'ignored', why: c.why };
      case 'alert':
        return this.#raise(c.alert, event);
      case 'connected':
        await this.#p.store.recordConnected(c.thingName, c.atMs);
        return { action: 'recorded' };
      case 'disconnected': {
        const disconnectedAt = new Date(c.atMs).toISOString();
        if (this.#s.offlineGraceSeconds === 0) {
          return this.#raise(offlineAlert(c.thingName, c.key, disconnectedAt, 0), event);
        }
        if (!(await this.#p.store.recordDisconnected(c.thingName, c.atMs, c.key)))
          return { action: 'cancelled' };
        const key = deriveIdempotencyKey(c.key, KEY_PURPOSE.offlineCheck);
        const dueAtMs = this.#p.now() + this.#s.offlineGraceSeconds * 1000;
        await sendCheck(
          this.#p.delayQueue,
          this.#internal(event, OFFLINE_CHECK_DUE, key, c.thingName, {
            disconnectKey: c.key,
            disconnectedAt,
          }),
          dueAtMs,
          this.#p.now(),
        );
        return { action: 'pending', checkDueAt: new Date(dueAtMs).toISOString() };
      }
      case 'offline-check':
        // A grace beyond SQS's 900 s delay: the check is back early, so it waits again.
        if (await resendUntilDue(this.#p.delayQueue, event, this.#p.now())) {
          return { action: 'pending', checkDueAt: String(event.detail.dueAt) };
        }
        if (!(await this.#p.store.isStillOffline(c.thingName, c.disconnectKey)))
          return { action: 'cancelled' };
        return this.#raise(
          offlineAlert(c.thingName, c.disconnectKey, c.disconnectedAt, this.#s.offlineGraceSeconds),
          event,
        );
      case 'window-closed':
        return this.#summarise(c.windowId, event);
    }
  }

  async #raise(alert: Alert, cause: KeyedBusEvent): Promise<NotificationOutcome> {
    if (this.#s.collapseSeconds > 0) {
      const joined = await this.#p.store.joinWindow({
        thingName: alert.thingName,
        reason: alert.reason,
        subject: alert.subject,
        key: alert.sourceKey,
        windowId: deriveIdempotencyKey(alert.sourceKey, KEY_PURPOSE.window),
        nowMs: this.#p.now(),
        windowMs: this.#s.collapseSeconds * 1000,
      });
      if (joined.role === 'member') {
        return { action: 'collapsed', windowId: joined.window.windowId, repeats: joined.repeats };
      }
      // Sent on every leader attempt: its key makes a repeat harmless, and a retry after
      // a failure further down must not lose the summary.
      const { windowId, thingName, endsAtMs } = joined.window;
      await sendCheck(
        this.#p.delayQueue,
        this.#internal(
          cause,
          COLLAPSE_WINDOW_CLOSED,
          deriveIdempotencyKey(windowId, KEY_PURPOSE.windowClosed),
          thingName,
          { windowId },
        ),
        Math.max(endsAtMs, this.#p.now()),
        this.#p.now(),
      );
    }
    const notification: Notification = {
      id: deriveIdempotencyKey(alert.sourceKey, KEY_PURPOSE.notification),
      type: 'smartdoor.notification',
      thingName: alert.thingName,
      reason: alert.reason,
      subject: alert.subject,
      count: 1,
      occurredAt: alert.occurredAt,
      summary: alert.summary,
      sourceKey: alert.sourceKey,
      details: alert.details,
    };
    return this.#deliver(notification, cause);
  }

  async #summarise(windowId: string, cause: KeyedBusEvent): Promise<NotificationOutcome> {
    const found = await this.#p.store.getWindow(windowId);
    if (!found) return { action: 'ignored', why: `unknown collapse window ${windowId}` };
    // A window beyond SQS's 900 s delay: the check is back before the window ends (the
    // stored end decides, so a check sent without a due time waits too).
    if (await resendUntilDue(this.#p.delayQueue, cause, this.#p.now(), found.window.endsAtMs)) {
      return { action: 'pending', checkDueAt: new Date(found.window.endsAtMs).toISOString() };
    }
    if (found.repeats === 0) return { action: 'ignored', why: 'no repeats in the window' };
    const { window, repeats } = found;
    const from = new Date(window.startedAtMs).toISOString();
    const to = new Date(window.endsAtMs).toISOString();
    return this.#deliver(
      {
        id: deriveIdempotencyKey(windowId, KEY_PURPOSE.summary),
        type: 'smartdoor.notification',
        thingName: window.thingName,
        reason: window.reason,
        subject: window.subject,
        count: repeats,
        occurredAt: to,
        summary: `${window.thingName}: ${window.reason} ${repeats} more time${repeats === 1 ? '' : 's'} between ${from} and ${to}`,
        sourceKey: window.leaderKey,
        details: { windowStartedAt: from, windowEndedAt: to },
      },
      cause,
    );
  }

  async #deliver(n: Notification, cause: KeyedBusEvent): Promise<NotificationOutcome> {
    const done = new Set(await this.#p.store.deliveredChannels(n.id));
    const failures: ChannelDeliveryError[] = [];
    const refused: ChannelDeliveryError[] = [];
    const events: EmittedEvent[] = [];
    const base = {
      source: EventSource.Notification,
      time: new Date(this.#p.now()),
      resources: [thingArn(cause.region, cause.account, n.thingName)],
    };
    const metadata = (purpose: string) => ({
      'idempotency-key': deriveIdempotencyKey(n.id, purpose),
      thingName: n.thingName,
      causedBy: [n.sourceKey],
    });
    const sent = (channel: string): EmittedEvent => {
      const detail: NotificationSentDetail = {
        metadata: metadata(`sent:${channel}`),
        channel,
        subject: n.subject,
        count: n.count,
      };
      return { ...base, detailType: DetailType.NotificationSent, detail };
    };
    for (const channel of this.#p.channels) {
      if (done.has(refusedMark(channel.name))) continue;
      // Delivered on an earlier attempt whose PutEvents may have failed: its Sent event
      // again, under the same key (consumers drop a repeat), so it is never lost.
      if (done.has(channel.name)) {
        events.push(sent(channel.name));
        continue;
      }
      try {
        await channel.send(n);
        await this.#p.store.markDelivered(n.id, channel.name);
        events.push(sent(channel.name));
      } catch (err) {
        const failure =
          err instanceof ChannelDeliveryError
            ? err
            : new ChannelDeliveryError(channel.name, 1, (err as Error).message, true, { cause: err });
        (failure.retryable ? failures : refused).push(failure);
        const detail: NotificationFailedDetail = {
          metadata: metadata(`failed:${channel.name}`),
          channel: channel.name,
          subject: n.subject,
          error: failure.message,
          attempts: failure.attempts,
        };
        events.push({ ...base, detailType: DetailType.NotificationFailed, detail });
      }
    }
    await putBusEvents(this.#p.eventBridge, this.#s.eventBusName, events);
    // A refusal (e.g. the webhook's 4xx) is final: marked done once its Notification Failed
    // is on the bus, so a retry neither re-sends it nor loses that event.
    for (const r of refused) {
      await this.#p.store.markDelivered(n.id, refusedMark(r.channel));
      this.#p.log.warn('notification refused by a channel, not retried', {
        notificationId: n.id,
        channel: r.channel,
        error: r.message,
      });
    }
    if (failures.length > 0) throw new NotificationDeliveryError(n.id, failures);
    return {
      action: 'notified',
      notificationId: n.id,
      channels: this.#p.channels.map((c) => c.name),
      count: n.count,
    };
  }

  #internal(
    cause: KeyedBusEvent,
    detailType: string,
    key: string,
    thingName: string,
    body: Record<string, unknown>,
  ): KeyedBusEvent {
    return {
      version: '0',
      id: key,
      'detail-type': detailType,
      source: EventSource.Notification,
      account: cause.account,
      region: cause.region,
      time: new Date(this.#p.now()).toISOString(),
      resources: [],
      detail: {
        metadata: { 'idempotency-key': key, thingName, causedBy: [cause.detail.metadata['idempotency-key']] },
        ...body,
      },
    };
  }
}

/** How a channel that refused a notification for good is recorded among its deliveries. */
function refusedMark(channel: string): string {
  return `${channel}#refused`;
}
