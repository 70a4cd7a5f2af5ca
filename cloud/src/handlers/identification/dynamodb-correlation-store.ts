import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  BadgeRead,
  Claim,
  CorrelationStore,
  Opening,
  OpeningRef,
  Resolution,
} from './correlation-store.js';
import { OpeningNotFoundError } from './errors.js';

/** The table the CDK app creates for correlations: pk + sk, TTL on expiresAt. */
export const CORRELATION_TABLE = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

export interface DynamoDbCorrelationStoreOptions {
  client: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  /**
   * How long records live before DynamoDB's TTL removes them.
   * @default 86400
   */
  retentionSeconds?: number;
}

interface Item {
  pk: string;
  sk: string;
  key: string;
  thingName: string;
  atMs: number;
  badgeRef?: string;
  resolution?: Resolution;
  claimedBy?: string;
  done?: boolean;
  expiresAt: number;
}

/**
 * Correlations on AWS: one partition per door, openings (`O#time#key`) and badge reads
 * (`B#time#key`) sorted by time so a window is one Query. Strongly consistent reads, and
 * a conditional update for the claim (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 * Expired records go by TTL.
 */
export class DynamoDbCorrelationStore implements CorrelationStore {
  readonly #o: Required<DynamoDbCorrelationStoreOptions>;

  constructor(options: DynamoDbCorrelationStoreOptions) {
    this.#o = { retentionSeconds: 86_400, ...options };
  }

  async putOpening(ref: OpeningRef): Promise<Opening> {
    const item: Item = {
      ...this.#keyOf('O', ref),
      key: ref.key,
      thingName: ref.thingName,
      atMs: ref.atMs,
      done: false,
      expiresAt: this.#expiry(ref.atMs),
    };
    try {
      await this.#o.client.send(
        new PutCommand({
          TableName: this.#o.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return toOpening(item);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return (await this.getOpening(ref))!;
    }
  }

  async putBadgeRead(read: BadgeRead): Promise<void> {
    const item: Item = { ...this.#keyOf('B', read), ...read, expiresAt: this.#expiry(read.atMs) };
    try {
      await this.#o.client.send(
        new PutCommand({
          TableName: this.#o.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async getOpening(ref: OpeningRef): Promise<Opening | undefined> {
    const out = await this.#o.client.send(
      new GetCommand({ TableName: this.#o.tableName, Key: this.#keyOf('O', ref), ConsistentRead: true }),
    );
    return out.Item ? toOpening(out.Item as Item) : undefined;
  }

  async nearestBadgeReads(thingName: string, atMs: number, windowMs: number): Promise<BadgeRead[]> {
    // The last read up to atMs (read backwards) and the first after it: one item each.
    const [before, after] = await Promise.all([
      this.#first(thingName, `B#${pad(atMs - windowMs)}#`, `B#${pad(atMs)}#~`, false),
      this.#first(thingName, `B#${pad(atMs + 1)}#`, `B#${pad(atMs + windowMs)}#~`, true),
    ]);
    return [before, after]
      .filter((i) => i !== undefined)
      .map((i) => ({ key: i.key, thingName: i.thingName, atMs: i.atMs, badgeRef: i.badgeRef! }));
  }

  async findOpenOpenings(thingName: string, fromMs: number, toMs: number): Promise<Opening[]> {
    return (await this.#range('O', thingName, fromMs, toMs)).filter((i) => !i.done).map(toOpening);
  }

  async claimOpening(ref: OpeningRef, resolution: Resolution, claimant: string): Promise<Claim> {
    try {
      const out = await this.#o.client.send(
        new UpdateCommand({
          TableName: this.#o.tableName,
          Key: this.#keyOf('O', ref),
          UpdateExpression: 'SET #r = :r, #c = :c',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#r)',
          ExpressionAttributeNames: { '#r': 'resolution', '#c': 'claimedBy' },
          ExpressionAttributeValues: { ':r': resolution, ':c': claimant },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes as Item;
      return { resolution: item.resolution!, claimedBy: item.claimedBy! };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.getOpening(ref);
      if (!existing?.resolution) throw new OpeningNotFoundError(ref.key);
      return { resolution: existing.resolution, claimedBy: existing.claimedBy ?? '' };
    }
  }

  async markDone(ref: OpeningRef): Promise<void> {
    await this.#o.client.send(
      new UpdateCommand({
        TableName: this.#o.tableName,
        Key: this.#keyOf('O', ref),
        UpdateExpression: 'SET done = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
  }

  /** DynamoDB's TTL removes old records on AWS; nothing to do here. */
  async purgeBefore(_atMs: number): Promise<number> {
    return 0;
  }

  async #range(kind: 'O' | 'B', thingName: string, fromMs: number, toMs: number): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#o.client.send(
        new QueryCommand({
          TableName: this.#o.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `DOOR#${thingName}`,
            ':from': `${kind}#${pad(fromMs)}#`,
            ':to': `${kind}#${pad(toMs)}#~`,
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as Item[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The first item of a door's sort-key range, from the low end (`forward`) or the high end. */
  async #first(thingName: string, from: string, to: string, forward: boolean): Promise<Item | undefined> {
    const out = await this.#o.client.send(
      new QueryCommand({
        TableName: this.#o.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `DOOR#${thingName}`, ':from': from, ':to': to },
        ConsistentRead: true,
        ScanIndexForward: forward,
        Limit: 1,
      }),
    );
    return out.Items?.[0] as Item | undefined;
  }

  #keyOf(kind: 'O' | 'B', ref: { thingName: string; atMs: number; key: string }) {
    return { pk: `DOOR#${ref.thingName}`, sk: `${kind}#${pad(ref.atMs)}#${ref.key}` };
  }

  #expiry(atMs: number): number {
    return Math.floor(atMs / 1000) + this.#o.retentionSeconds;
  }
}

/** Sort keys compare as strings: pad times to a fixed width (ms since 1970 fit in 15 digits). */
function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

function toOpening(item: Item): Opening {
  const o: Opening = { key: item.key, thingName: item.thingName, atMs: item.atMs, done: item.done === true };
  if (item.resolution) o.resolution = item.resolution;
  if (item.claimedBy) o.claimedBy = item.claimedBy;
  return o;
}
