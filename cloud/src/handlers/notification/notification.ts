/** What the channels deliver: the webhook's JSON body, the SNS message, the dashboard item. */
export interface Notification {
  /** Stable per notification (derived from the source key): receivers dedupe on it. */
  id: string;
  type: 'smartdoor.notification';
  thingName: string;
  reason: string;
  /** The detail-type that raised it. */
  subject: string;
  /** 1 for a first alert; a window summary counts the repeats it collapsed. */
  count: number;
  occurredAt: string;
  summary: string;
  /** The idempotency key of the event that raised it (or the window's leader). */
  sourceKey: string;
  details: Record<string, unknown>;
}

/** A way to reach people: webhook, SNS, the dashboard, the log. */
export interface NotificationChannel {
  readonly name: string;
  /** Resolve when delivered; throw a ChannelDeliveryError when not. */
  send(notification: Notification): Promise<void>;
}
