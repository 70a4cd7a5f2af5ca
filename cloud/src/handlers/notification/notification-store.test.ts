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

describeNotificationStoreContract('memory', async () => ({
  store: new MemoryNotificationStore(),
  close: () => {},
}));

describeNotificationStoreContract('SQLite', async () => {
  const db = new Database(':memory:');
  return {
    store: new SqliteNotificationStore(db),
    close: () => {
      db.close();
    },
  };
});

let ddb: LocalDynamoDb;
beforeAll(async () => {
  ddb = await startLocalDynamoDb();
});
afterAll(async () => {
  await ddb.close();
});

describeNotificationStoreContract('DynamoDB', async () => {
  const tableName = uniqueTableName('notifications');
  await ddb.createTable(tableName, NOTIFICATION_TABLE.partitionKey);
  return { store: new DynamoDbNotificationStore({ client: ddb.doc, tableName }), close: () => {} };
});
