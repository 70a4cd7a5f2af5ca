import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ContractValidationError } from '@smartdoor/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberLog } from '../../idempotency/sqs-types.js';
import {
  type LocalDynamoDb,
  startLocalDynamoDb,
  uniqueTableName,
} from '../../idempotency/testing/local-dynamodb.js';
import { MemorySerialAllowList } from './allow-list.js';
import { ALLOW_LIST_TABLE, DynamoDbSerialAllowList } from './dynamodb-allow-list.js';
import { AllowListLookupError } from './errors.js';
import { createPreProvisioningHook, decide, type PreProvisioningDecision } from './hook.js';
import { buildPreProvisioningHook } from './lambda.js';

const request = (parameters: unknown) => ({
  claimCertificateId: 'claim-cert',
  certificateId: 'new-cert',
  certificatePem: '-----BEGIN CERTIFICATE-----...',
  templateArn: 'arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/smartdoor-door',
  clientId: 'SN-0001',
  parameters,
});

function recordingLog(): SubscriberLog & { lines: Array<[string, Record<string, unknown> | undefined]> } {
  const lines: Array<[string, Record<string, unknown> | undefined]> = [];
  const push = (m: string, a?: Record<string, unknown>) => lines.push([m, a]);
  return { lines, debug: push, info: push, warn: push, error: push };
}

let ddb: LocalDynamoDb;
let tableName: string;
beforeAll(async () => {
  ddb = await startLocalDynamoDb();
  tableName = uniqueTableName('allow-list');
  await ddb.createTable(tableName, ALLOW_LIST_TABLE.partitionKey);
  await ddb.doc.send(new PutCommand({ TableName: tableName, Item: { serialNumber: 'SN-0001' } }));
  await ddb.doc.send(
    new PutCommand({ TableName: tableName, Item: { serialNumber: 'SN-0002', disabled: true } }),
  );
});
afterAll(async () => {
  await ddb.close();
});

describe('Function: decide', () => {
  const list = new MemorySerialAllowList([{ serialNumber: 'SN-0001' }]);

  it.each([
    ['the input is not an object', null, 'the hook input is not an object'],
    ['parameters are missing', request(undefined), 'parameters must be an object'],
    ['SerialNumber is missing', request({}), 'parameter SerialNumber must be 1-64'],
    ['SerialNumber has a slash', request({ SerialNumber: 'a/b' }), 'parameter SerialNumber must be 1-64'],
    [
      'SerialNumber is not listed',
      request({ SerialNumber: 'SN-9999' }),
      '"SN-9999" is not on the allow-list',
    ],
  ])('refuses with a readable reason when %s', async (_, event, reason) => {
    // Act
    const decision = await decide(event, list);
    // Assess
    expect(decision.allow).toBe(false);
    expect((decision as { reason: string }).reason).toContain(reason);
  });

  it('allows a listed serial and names the thing as the template does', async () => {
    // Act
    const decision = await decide(request({ SerialNumber: 'SN-0001' }), list);
    // Assess
    expect(decision).toEqual({ allow: true, serialNumber: 'SN-0001', thingName: 'door-SN-0001' });
  });
});

describe('Function: createPreProvisioningHook', () => {
  it('answers allowProvisioning true for a serial on the DynamoDB allow-list', async () => {
    // Prepare
    const decisions: PreProvisioningDecision[] = [];
    const hook = createPreProvisioningHook({
      allowList: new DynamoDbSerialAllowList(ddb.doc, tableName),
      log: recordingLog(),
      onDecision: (d) => decisions.push(d),
    });
    // Act
    const response = await hook(request({ SerialNumber: 'SN-0001', Model: 'v2' }));
    // Assess
    expect(response).toEqual({ allowProvisioning: true });
    expect(decisions).toEqual([{ allow: true, serialNumber: 'SN-0001', thingName: 'door-SN-0001' }]);
  });

  it('refuses a listed but disabled serial and logs why, without the certificate', async () => {
    // Prepare
    const log = recordingLog();
    const hook = createPreProvisioningHook({
      allowList: new DynamoDbSerialAllowList(ddb.doc, tableName),
      log,
    });
    // Act
    const response = await hook(request({ SerialNumber: 'SN-0002' }));
    // Assess
    expect(response).toEqual({ allowProvisioning: false });
    expect(log.lines).toHaveLength(1);
    const [message, attributes] = log.lines[0]!;
    expect(message).toBe('provisioning refused');
    expect(attributes?.reason).toBe('serial number "SN-0002" is disabled on the allow-list');
    expect(JSON.stringify(attributes)).not.toContain('BEGIN CERTIFICATE');
  });

  it('throws AllowListLookupError naming the serial when the table cannot be read', async () => {
    // Prepare
    const hook = createPreProvisioningHook({
      allowList: new DynamoDbSerialAllowList(ddb.doc, 'no-such-table'),
      log: recordingLog(),
    });
    // Act
    const outcome = hook(request({ SerialNumber: 'SN-0001' }));
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(AllowListLookupError);
    await expect(outcome).rejects.toThrow('"SN-0001"');
  });
});

describe('Function: buildPreProvisioningHook', () => {
  it('refuses an environment without ALLOW_LIST_TABLE, naming the variable', () => {
    // Act
    const build = () => buildPreProvisioningHook({}, ddb.client);
    // Assess
    expect(build).toThrow(ContractValidationError);
    expect(build).toThrow('ALLOW_LIST_TABLE');
  });

  it('reads the table named by the environment', async () => {
    // Prepare
    const hook = buildPreProvisioningHook({ ALLOW_LIST_TABLE: tableName }, ddb.client);
    // Act
    const allowed = await hook(request({ SerialNumber: 'SN-0001' }));
    const refused = await hook(request({ SerialNumber: 'SN-0003' }));
    // Assess
    expect(allowed.allowProvisioning).toBe(true);
    expect(refused.allowProvisioning).toBe(false);
  });
});
