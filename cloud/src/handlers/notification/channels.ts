import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SubscriberLog } from '../../idempotency/sqs-types.js';
import { ChannelDeliveryError } from './errors.js';
import type { Notification, NotificationChannel } from './notification.js';

/** Amazon SNS, on AWS: one topic, the notification as the message. */
export class SnsChannel implements NotificationChannel {
  readonly name = 'sns';
  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async send(n: Notification): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          // SNS subjects are at most 100 ASCII characters.
          Subject: `smartdoor: ${n.reason} at ${n.thingName}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
          Message: JSON.stringify(n),
          MessageAttributes: {
            thingName: { DataType: 'String', StringValue: n.thingName },
            reason: { DataType: 'String', StringValue: n.reason },
          },
        }),
      );
    } catch (cause) {
      throw new ChannelDeliveryError(this.name, 1, (cause as Error).message, true, { cause });
    }
  }
}

/** The local dashboard: an injected sink (the dashboard helper's live stream). */
export class DashboardChannel implements NotificationChannel {
  readonly name = 'dashboard';
  constructor(private readonly sink: (n: Notification) => void | Promise<void>) {}

  async send(n: Notification): Promise<void> {
    try {
      await this.sink(n);
    } catch (cause) {
      throw new ChannelDeliveryError(this.name, 1, (cause as Error).message, true, { cause });
    }
  }
}

/** The log: always there, so an alert is never silent. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  constructor(private readonly log: SubscriberLog) {}

  async send(n: Notification): Promise<void> {
    this.log.warn(`notification: ${n.summary}`, {
      notificationId: n.id,
      thingName: n.thingName,
      reason: n.reason,
      count: n.count,
    });
  }
}
