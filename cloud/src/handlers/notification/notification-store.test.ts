import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import Database from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  uniqueTableName,
} from '../../idempotency/testing/local-dynamodb.js';
import { DynamoDbNotificationStore, NOTIFICATION_TABLE } from './dynamodb-notification-store.js';
import { describeNotificationStoreContract } from './notification-store.contract.js';
import { MemoryNotificationStore } from './notification-store.js';
import { SqliteNotificationStore } from './sqlite-notification-store.js';

describeNotificationStoreContract(
  'memory',
  async () => ({
    store: new MemoryNotificationStore(),
    close: () => {},
  }),
  'none',
);

describeNotificationStoreContract(
  'SQLite',
  async (now) => {
    const db = new Database(':memory:');
    const store = new SqliteNotificationStore(db, { now });
    return {
      store,
      close: () => {
        db.close();
      },
      expire: async () => {
        store.purgeExpired();
      },
    };
  },
  'purge',
);

let ddb: LocalDynamoDb;
beforeAll(async () => {
  ddb = await startLocalDynamoDb();
});
afterAll(async () => {
  await ddb.close();
});

describeNotificationStoreContract(
  'DynamoDB',
  async (now) => {
    const tableName = uniqueTableName('notifications');
    await ddb.createTable(tableName, NOTIFICATION_TABLE.partitionKey);
    return {
      store: new DynamoDbNotificationStore({ client: ddb.doc, tableName, now }),
      close: () => {},
      // dynalite has no TTL: this deletes what DynamoDB's TTL may (items whose expiry, in
      // epoch seconds, is before now). AWS does it later, within days; until then the
      // store's own time checks apply, which the other cases cover.
      expire: async () => {
        const { Items = [] } = await ddb.doc.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true }),
        );
        for (const item of Items) {
          const expiresAt = item[NOTIFICATION_TABLE.ttlAttribute];
          if (typeof expiresAt === 'number' && expiresAt < Math.floor(now() / 1000)) {
            await ddb.doc.send(
              new DeleteCommand({ TableName: tableName, Key: { pk: item[NOTIFICATION_TABLE.partitionKey] } }),
            );
          }
        }
      },
    };
  },
  'ttl',
);
