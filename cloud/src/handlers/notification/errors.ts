/** Root of the notification subscriber's errors. */
export class NotificationError extends Error {
  override name = 'NotificationError';
}

/** One channel could not deliver (after its own retries, for the webhook). */
export class ChannelDeliveryError extends NotificationError {
  override name = 'ChannelDeliveryError';
  constructor(
    readonly channel: string,
    readonly attempts: number,
    message: string,
    /** False when retrying cannot help (e.g. the webhook answered 400). */
    readonly retryable = true,
    options?: { cause?: unknown },
  ) {
    super(`${channel}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, options);
  }
}

/**
 * Some channels failed for a notification: thrown so the message is retried and, once the
 * queue's maxReceiveCount is reached, moved to the dead-letter queue with this reason.
 */
export class NotificationDeliveryError extends NotificationError {
  override name = 'NotificationDeliveryError';
  constructor(
    readonly notificationId: string,
    readonly failures: ChannelDeliveryError[],
  ) {
    super(`notification ${notificationId} not delivered: ${failures.map((f) => f.message).join('; ')}`);
  }
}

/** The notification configuration is wrong (env on AWS, CloudConfig locally). */
export class NotificationConfigError extends NotificationError {
  override name = 'NotificationConfigError';
}
