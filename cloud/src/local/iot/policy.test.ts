import { describe, expect, it } from 'vitest';
import { connectionThingName, evaluateThingPolicy, type IotPolicyRequest } from './policy.js';

type Case = [string, IotPolicyRequest, boolean];

const mtls = (
  action: IotPolicyRequest['action'],
  topic?: string,
  clientId = 'door-001',
): IotPolicyRequest => ({
  action,
  clientId,
  certificateThingName: 'door-001',
  ...(topic === undefined ? {} : { topic }),
});

const CASES: Case[] = [
  // iot:Connect client/${iot:Connection.Thing.ThingName}
  ['connect with the certificate thing name as client id', mtls('connect'), true],
  ['connect with another client id', mtls('connect', undefined, 'door-002'), false],
  ['connect over TCP with a thing-name client id', { action: 'connect', clientId: 'door-009' }, true],
  [
    'connect over TCP with a client id that is no thing name',
    { action: 'connect', clientId: 'bad/id' },
    false,
  ],
  ['connect over TCP with a $ client id', { action: 'connect', clientId: '$aws' }, false],
  // iot:Publish
  ['publish own events', mtls('publish', 'smartdoor/door-001/events'), true],
  ['publish own status', mtls('publish', 'smartdoor/door-001/status'), true],
  ['publish another thing events', mtls('publish', 'smartdoor/door-002/events'), false],
  ['publish a prefix-sharing thing', mtls('publish', 'smartdoor/door-0011/events'), false],
  ['publish the bare thing root', mtls('publish', 'smartdoor/door-001'), false],
  ['publish own shadow update', mtls('publish', '$aws/things/door-001/shadow/update'), true],
  ['publish own shadow get', mtls('publish', '$aws/things/door-001/shadow/get'), true],
  ['publish own named shadow get', mtls('publish', '$aws/things/door-001/shadow/name/config/get'), false],
  ['publish own shadow delete', mtls('publish', '$aws/things/door-001/shadow/delete'), false],
  ['publish own commands (a door commanding itself)', mtls('publish', 'smartdoor/door-001/commands'), false],
  ['publish another shadow', mtls('publish', '$aws/things/door-002/shadow/update'), false],
  [
    'publish Basic Ingest for own topic (the door policy has no $aws/rules)',
    mtls('publish', '$aws/rules/smartdoor_events/smartdoor/door-001/events'),
    false,
  ],
  [
    'publish Basic Ingest speaking for another',
    mtls('publish', '$aws/rules/smartdoor_events/smartdoor/door-002/events'),
    false,
  ],
  ['publish Basic Ingest without a topic', mtls('publish', '$aws/rules/smartdoor_events'), false],
  ['publish a lifecycle topic', mtls('publish', '$aws/events/presence/connected/door-001'), false],
  ['publish a $SYS topic', mtls('publish', '$SYS/broker/x'), false],
  ['publish outside the project', mtls('publish', 'other/door-001/events'), false],
  ['publish with a spoofed client id', mtls('publish', 'smartdoor/door-002/events', 'door-002'), false],
  [
    'publish over TCP on own topic',
    { action: 'publish', clientId: 'door-009', topic: 'smartdoor/door-009/events' },
    true,
  ],
  [
    'publish over TCP on another topic',
    { action: 'publish', clientId: 'door-009', topic: 'smartdoor/door-001/events' },
    false,
  ],
  ['publish without a topic', mtls('publish', ''), false],
  // iot:Subscribe topicfilter
  ['subscribe to own commands', mtls('subscribe', 'smartdoor/door-001/commands'), true],
  ['subscribe to own shadow delta', mtls('subscribe', '$aws/things/door-001/shadow/update/delta'), true],
  ['subscribe to own shadow get answers', mtls('subscribe', '$aws/things/door-001/shadow/get/+'), true],
  // IoT Core compares the filter's text: # is a character, not a match of commands
  ['subscribe to own subtree with #', mtls('subscribe', 'smartdoor/door-001/#'), false],
  ['subscribe to own status', mtls('subscribe', 'smartdoor/door-001/status'), false],
  [
    'subscribe to own named shadow deltas with +',
    mtls('subscribe', '$aws/things/door-001/shadow/name/+/update/delta'),
    false,
  ],
  ['subscribe across things with +', mtls('subscribe', 'smartdoor/+/events'), false],
  ['subscribe to everything', mtls('subscribe', '#'), false],
  ['subscribe to a partial wildcard level', mtls('subscribe', 'smartdoor/door-001/ev#'), false],
  ['subscribe to Basic Ingest', mtls('subscribe', '$aws/rules/smartdoor_events/#'), false],
  ['subscribe to lifecycle events', mtls('subscribe', '$aws/events/presence/+/door-001'), false],
  // iot:Receive
  ['receive own commands', mtls('receive', 'smartdoor/door-001/commands'), true],
  ['receive own shadow delta', mtls('receive', '$aws/things/door-001/shadow/update/delta'), true],
  ['receive own events', mtls('receive', 'smartdoor/door-001/events'), false],
  // iot:RetainPublish: the status (and a will on it) only
  ['publish retained own status', mtls('retainPublish', 'smartdoor/door-001/status'), true],
  ['publish retained own events', mtls('retainPublish', 'smartdoor/door-001/events'), false],
  ['receive another thing commands', mtls('receive', 'smartdoor/door-002/commands'), false],
];

describe('Function: evaluateThingPolicy', () => {
  it.each(CASES)('decides %s', (_name, request, allowed) => {
    // Prepare (the table)

    // Act
    const decision = evaluateThingPolicy(request);

    // Assess
    expect(decision.allow).toBe(allowed);
    if (!decision.allow) expect(decision.reason.length).toBeGreaterThan(10);
  });

  it('names the thing and the topic when it denies a publish', () => {
    // Prepare
    const request = mtls('publish', 'smartdoor/door-002/events');

    // Act
    const decision = evaluateThingPolicy(request);

    // Assess
    expect(decision).toEqual({
      allow: false,
      reason:
        'thing "door-001" may not publish to "smartdoor/door-002/events": the door policy allows smartdoor/door-001/events, smartdoor/door-001/status, $aws/things/door-001/shadow/get, $aws/things/door-001/shadow/update',
    });
  });
});

describe('Function: connectionThingName', () => {
  it('takes the certificate CN over mTLS and the client id over TCP', () => {
    // Prepare
    const tls = { clientId: 'x', certificateThingName: 'door-001' };
    const tcp = { clientId: 'door-009' };

    // Act
    const names = [connectionThingName(tls), connectionThingName(tcp)];

    // Assess
    expect(names).toEqual(['door-001', 'door-009']);
  });
});
