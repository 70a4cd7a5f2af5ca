import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AllowListEntry, SerialAllowList } from './allow-list.js';

/** The allow-list table the CDK app creates: partition key serialNumber, items as AllowListEntry. */
export const ALLOW_LIST_TABLE = { partitionKey: 'serialNumber' } as const;

/** The allow-list on AWS: one item per serial number; `disabled: true` keeps a listed serial out. */
export class DynamoDbSerialAllowList implements SerialAllowList {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async lookup(serialNumber: string): Promise<AllowListEntry | undefined> {
    // Strongly consistent: a serial added just before the device boots must be seen.
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { serialNumber }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    return { serialNumber, disabled: out.Item.disabled === true };
  }
}
