import type { PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { IngestHandler } from '../handlers/ingest/handler.js';
import { compileIotSql, evaluateIotSql } from '../iot-sql/index.js';
import { PRESENCE_RULE } from './iot-rules.js';

/**
 * PRESENCE_RULE run by the local IoT SQL evaluator (the same SQL IoT Core runs), its output
 * handed to the ingest handler: only doors' lifecycle events become bus events.
 */
function lifecycle(clientId: string, eventType: 'connected' | 'disconnected') {
  return {
    clientId,
    timestamp: 1_763_812_800_000,
    eventType,
    sessionIdentifier: '00000000-0000-0000-0000-000000000000',
    principalIdentifier: '12345678901234567890123456789012',
    versionNumber: 0,
    ...(eventType === 'disconnected'
      ? { clientInitiatedDisconnect: true, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' }
      : {}),
  };
}

function ingest() {
  const put: PutEventsRequestEntry[] = [];
  const handler = new IngestHandler({
    eventBridge: {
      async send(command: PutEventsCommand) {
        const entries = command.input.Entries ?? [];
        put.push(...entries);
        return { $metadata: {}, FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e${i}` })) };
      },
    },
    errors: {
      send: async (r) => {
        throw new Error(`refused: ${r.reason}`);
      },
    },
    clock: { now: () => 0, sleep: async () => {} },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    target: { region: 'us-east-1', accountId: '123456789012', eventBusName: 'smartdoor' },
  });
  return { handler, put };
}

describe('Rule: PRESENCE_RULE', () => {
  const rule = compileIotSql(PRESENCE_RULE.sql);
  const run = (clientId: string, eventType: 'connected' | 'disconnected') =>
    evaluateIotSql(rule, {
      topic: `$aws/events/presence/${eventType}/${clientId}`,
      payload: Buffer.from(JSON.stringify(lifecycle(clientId, eventType))),
    });

  it.each([
    'connected',
    'disconnected',
  ] as const)('does not forward the %s event of a fleet provisioning claim client', (eventType) => {
    // Act
    const result = run('claim-SN1', eventType);
    // Assess
    expect(result).toEqual({ fired: false, reason: 'where' });
  });

  it("forwards a door's disconnect, which the ingest handler puts on the bus as Device Disconnected", async () => {
    // Prepare
    const { handler, put } = ingest();
    const result = run('door-SN1', 'disconnected');
    // Act
    expect(result.fired).toBe(true);
    if (!result.fired) return;
    await handler.handle(result.json);
    // Assess
    expect(put.map((e) => [e.Source, e.DetailType])).toEqual([['smartdoor.presence', 'Device Disconnected']]);
  });

  it('puts nothing on the bus for a provisioning run: claim connect, claim disconnect, door connect', async () => {
    // Prepare
    const { handler, put } = ingest();
    const outputs = [
      run('claim-SN1', 'connected'),
      run('claim-SN1', 'disconnected'),
      run('door-SN1', 'connected'),
    ].flatMap((r) => (r.fired ? [r.json] : []));
    // Act
    await handler.handle(outputs);
    // Assess
    expect(put.map((e) => JSON.parse(e.Detail!).metadata.thingName)).toEqual(['door-SN1']);
  });
});
