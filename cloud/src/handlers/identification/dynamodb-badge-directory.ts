import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BadgeEntry } from './access-policy.js';
import type { BadgeDirectory } from './badge-directory.js';

/** The badge table the CDK app creates: partition key badgeRef; items as BadgeEntry. */
export const BADGE_TABLE = { partitionKey: 'badgeRef' } as const;

/** The badge directory on AWS: items are BadgeEntry, written by {@link putBadgeEntries}. */
export class DynamoDbBadgeDirectory implements BadgeDirectory {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async lookup(badgeRef: string): Promise<BadgeEntry | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { badgeRef } }));
    if (!out.Item) return undefined;
    const i = out.Item as Partial<BadgeEntry>;
    return {
      badgeRef,
      personId: String(i.personId),
      doors: Array.isArray(i.doors) ? i.doors : ['*'],
      hours: Array.isArray(i.hours) ? i.hours : [],
      timezone: typeof i.timezone === 'string' ? i.timezone : 'UTC',
    };
  }
}

/**
 * Write directory entries (e.g. parsed from a seed file with parseBadgeSeed), 25 per
 * BatchWriteItem, retrying unprocessed items
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 */
export async function putBadgeEntries(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  entries: readonly BadgeEntry[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  for (let i = 0; i < entries.length; i += 25) {
    let requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = entries
      .slice(i, i + 25)
      .map((e) => ({ PutRequest: { Item: { ...e } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(5_000, 50 * 2 ** attempt));
      if (attempt > 8) throw new Error(`BatchWriteItem left ${requests.length} badge entries unprocessed`);
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}
