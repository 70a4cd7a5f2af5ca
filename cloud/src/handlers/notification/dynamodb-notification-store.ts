import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CollapseWindow, JoinResult, NotificationStore } from './notification-store.js';

/** The table the CDK app creates for notification state: partition key pk, TTL on expiresAt. */
export const NOTIFICATION_TABLE = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

export interface DynamoDbNotificationStoreOptions {
  client: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  /**
   * How long state lives after its last write before DynamoDB's TTL removes it; a collapse
   * window's, after the window ends (a window longer than this would otherwise expire open).
   * @default 86400
   */
  retentionSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

type WindowItem = CollapseWindow & { members?: Set<string> };

/**
 * Notification state on AWS, one item per fact: `CURRENT#door#reason` points at the open
 * collapse window, `WINDOW#id` holds its members (a string set, so a repeat key counts
 * once), `DELIVERY#id` the channels done, `PRESENCE#door` the latest connect/disconnect.
 * Every race is settled by a condition expression, none by a read-then-write.
 */
export class DynamoDbNotificationStore implements NotificationStore {
  readonly #o: Required<DynamoDbNotificationStoreOptions>;

  constructor(options: DynamoDbNotificationStoreOptions) {
    this.#o = { retentionSeconds: 86_400, now: Date.now, ...options };
  }

  async joinWindow(input: Parameters<NotificationStore['joinWindow']>[0]): Promise<JoinResult> {
    const window: CollapseWindow = {
      windowId: input.windowId,
      thingName: input.thingName,
      reason: input.reason,
      subject: input.subject,
      leaderKey: input.key,
      startedAtMs: input.nowMs,
      endsAtMs: input.nowMs + input.windowMs,
    };
    const current = `CURRENT#${input.thingName}#${input.reason}`;
    try {
      // Take over the pointer when there is none or its window has ended, unless that
      // window is this alert's own (a leader retried late): then it stays as it was.
      await this.#update(current, 'SET #w = :w, expiresAt = :exp', {
        condition: 'attribute_not_exists(pk) OR (#w.endsAtMs <= :now AND #w.windowId <> :id)',
        names: { '#w': 'window' },
        values: {
          ':w': window,
          ':now': input.nowMs,
          ':id': input.windowId,
          ':exp': this.#expiry(window.endsAtMs),
        },
      });
      // if_not_exists, and the stored window back in the same call: a window this alert
      // led before (its pointer since moved on) is kept, not reopened under the same id,
      // whose Window Closed check has already run.
      const stored = (
        await this.#update(`WINDOW#${input.windowId}`, 'SET #w = if_not_exists(#w, :w), expiresAt = :exp', {
          names: { '#w': 'window' },
          values: { ':w': window, ':exp': this.#expiry(window.endsAtMs) },
          returnValues: 'UPDATED_NEW',
        })
      )?.window as CollapseWindow | undefined;
      if (!stored || stored.startedAtMs === window.startedAtMs) return { role: 'leader', window };
      await this.#restorePointer(current, window, stored);
      return { role: 'leader', window: stored };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    const open = (await this.#get(current))?.window as CollapseWindow;
    if (open.leaderKey === input.key) return { role: 'leader', window: open };
    const out = await this.#update(`WINDOW#${open.windowId}`, 'ADD members :k SET expiresAt = :exp', {
      values: { ':k': new Set([input.key]), ':exp': this.#expiry(open.endsAtMs) },
      returnValues: 'ALL_NEW',
    });
    return { role: 'member', window: open, repeats: (out?.members as Set<string> | undefined)?.size ?? 0 };
  }

  /**
   * Point back at the (ended) window a late leader retry took the pointer from itself
   * with, unless another alert has taken it since; the next alert then opens a new window.
   * (An alert joining in the one call between is counted but not summarised: a rare path.)
   */
  async #restorePointer(current: string, taken: CollapseWindow, stored: CollapseWindow): Promise<void> {
    try {
      await this.#update(current, 'SET #w = :w', {
        condition: '#w.windowId = :id AND #w.startedAtMs = :start',
        names: { '#w': 'window' },
        values: { ':w': stored, ':id': taken.windowId, ':start': taken.startedAtMs },
      });
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async getWindow(windowId: string) {
    const item = await this.#get(`WINDOW#${windowId}`);
    if (!item?.window) return undefined;
    return {
      window: item.window as CollapseWindow,
      repeats: (item.members as WindowItem['members'])?.size ?? 0,
    };
  }

  async deliveredChannels(notificationId: string): Promise<string[]> {
    const item = await this.#get(`DELIVERY#${notificationId}`);
    return [...((item?.channels as Set<string> | undefined) ?? [])].sort();
  }

  async markDelivered(notificationId: string, channel: string): Promise<void> {
    await this.#update(`DELIVERY#${notificationId}`, 'ADD channels :c SET expiresAt = :exp', {
      values: { ':c': new Set([channel]), ':exp': this.#expiry() },
    });
  }

  async recordConnected(thingName: string, atMs: number): Promise<void> {
    try {
      await this.#update(`PRESENCE#${thingName}`, 'SET connectedAt = :at, expiresAt = :exp', {
        condition: 'attribute_not_exists(connectedAt) OR connectedAt < :at',
        values: { ':at': atMs, ':exp': this.#expiry() },
      });
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async recordDisconnected(thingName: string, atMs: number, key: string): Promise<boolean> {
    try {
      await this.#update(
        `PRESENCE#${thingName}`,
        'SET disconnectedAt = :at, disconnectKey = :k, expiresAt = :exp',
        {
          condition:
            '(attribute_not_exists(connectedAt) OR connectedAt < :at) AND (attribute_not_exists(disconnectedAt) OR disconnectedAt <= :at)',
          values: { ':at': atMs, ':k': key, ':exp': this.#expiry() },
        },
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const p = await this.#get(`PRESENCE#${thingName}`);
      // Refused because a later connect is known: nothing to wait for. Refused only
      // because a later disconnect is known: that one's check decides.
      return !(typeof p?.connectedAt === 'number' && p.connectedAt >= atMs);
    }
  }

  async isStillOffline(thingName: string, disconnectKey: string): Promise<boolean> {
    const p = await this.#get(`PRESENCE#${thingName}`);
    if (!p || p.disconnectKey !== disconnectKey || typeof p.disconnectedAt !== 'number') return false;
    return typeof p.connectedAt !== 'number' || p.connectedAt < p.disconnectedAt;
  }

  async #get(pk: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#o.client.send(
      new GetCommand({ TableName: this.#o.tableName, Key: { pk }, ConsistentRead: true }),
    );
    return out.Item;
  }

  async #update(
    pk: string,
    expression: string,
    opts: {
      condition?: string;
      names?: Record<string, string>;
      values: Record<string, unknown>;
      returnValues?: 'ALL_NEW' | 'UPDATED_NEW';
    },
  ): Promise<Record<string, unknown> | undefined> {
    const out = await this.#o.client.send(
      new UpdateCommand({
        TableName: this.#o.tableName,
        Key: { pk },
        UpdateExpression: expression,
        ConditionExpression: opts.condition,
        ExpressionAttributeNames: opts.names,
        ExpressionAttributeValues: opts.values,
        ReturnValues: opts.returnValues ?? 'NONE',
      }),
    );
    return out.Attributes;
  }

  /** The TTL (epoch seconds) of an item written now, or of a window ending at `fromMs`. */
  #expiry(fromMs: number = this.#o.now()): number {
    return Math.floor(Math.max(fromMs, this.#o.now()) / 1000) + this.#o.retentionSeconds;
  }
}
