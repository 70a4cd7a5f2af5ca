import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  uniqueTableName,
} from '../../idempotency/testing/local-dynamodb.js';
import { describeCorrelationStoreContract } from './correlation-store.contract.js';
import { DynamoDbBadgeDirectory, putBadgeEntries } from './dynamodb-badge-directory.js';
import { CORRELATION_TABLE, DynamoDbCorrelationStore } from './dynamodb-correlation-store.js';

let ddb: LocalDynamoDb;
beforeAll(async () => {
  ddb = await startLocalDynamoDb();
});
afterAll(async () => {
  await ddb.close();
});

describeCorrelationStoreContract(
  'DynamoDB',
  async () => {
    const tableName = uniqueTableName('correlations');
    await ddb.createTable(tableName, CORRELATION_TABLE.partitionKey, CORRELATION_TABLE.sortKey);
    return { store: new DynamoDbCorrelationStore({ client: ddb.doc, tableName }), close: () => {} };
  },
  'ttl',
);

describe('Class: DynamoDbCorrelationStore', () => {
  describe('Method: putOpening', () => {
    it('stamps each record with the TTL attribute, retention after the event time', async () => {
      // Prepare
      const tableName = uniqueTableName('correlations');
      await ddb.createTable(tableName, CORRELATION_TABLE.partitionKey, CORRELATION_TABLE.sortKey);
      const store = new DynamoDbCorrelationStore({ client: ddb.doc, tableName, retentionSeconds: 600 });
      // Act
      await store.putOpening({ key: 'o1', thingName: 'door-1', atMs: 1_700_000_000_000 });
      await store.putBadgeRead({ key: 'b1', thingName: 'door-1', atMs: 1_700_000_001_000, badgeRef: 'r' });
      const out = await ddb.doc.send(new ScanCommand({ TableName: tableName }));
      // Assess
      expect(out.Items?.map((i) => i[CORRELATION_TABLE.ttlAttribute]).sort()).toEqual([
        1_700_000_600, 1_700_000_601,
      ]);
    });
  });
});

describe('Class: DynamoDbBadgeDirectory', () => {
  describe('Method: lookup', () => {
    it('finds entries written with putBadgeEntries, in batches of 25, and nothing for an unknown badge', async () => {
      // Prepare
      const tableName = uniqueTableName('badges');
      await ddb.createTable(tableName, 'badgeRef');
      const entries = Array.from({ length: 30 }, (_, i) => ({
        badgeRef: i.toString(16).padStart(64, '0'),
        personId: `p-${i}`,
        doors: ['door-1'],
        hours: [{ days: ['mon' as const], startMinute: 480, endMinute: 1080 }],
        timezone: 'Europe/Paris',
      }));
      await putBadgeEntries(ddb.doc, tableName, entries);
      const directory = new DynamoDbBadgeDirectory(ddb.doc, tableName);
      // Act
      const found = await directory.lookup(entries[29]!.badgeRef);
      const missing = await directory.lookup('f'.repeat(64));
      // Assess
      expect(found).toEqual(entries[29]);
      expect(missing).toBeUndefined();
    });
  });
});
