import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { describePersistenceLayerContract } from './persistence-layer.contract.js';
import { type LocalDynamoDb, startLocalDynamoDb, uniqueTableName } from './testing/local-dynamodb.js';

// The layer the Lambda entries use on AWS runs the same suite as the SQLite one, so the
// two runtimes share one behaviour.
let ddb: LocalDynamoDb;
beforeAll(async () => {
  ddb = await startLocalDynamoDb();
});
afterAll(async () => {
  await ddb.close();
});

describePersistenceLayerContract('DynamoDB (Powertools)', async () => {
  const tableName = uniqueTableName('idempotency');
  await ddb.createTable(tableName, 'id');
  return { layer: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: ddb.client }), close: () => {} };
});
