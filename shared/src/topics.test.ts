import { describe, expect, it } from 'vitest';
import { ContractValidationError } from './errors.js';
import {
  assertThingName,
  checkPublishTopic,
  isClaimClientId,
  parseTopic,
  topicMatchesFilter,
  topics,
} from './topics.js';

describe('Object: topics', () => {
  it('builds every topic of the catalog', () => {
    expect(topics.events('door-001')).toBe('smartdoor/door-001/events');
    expect(topics.commands('door-001')).toBe('smartdoor/door-001/commands');
    expect(topics.status('door-001')).toBe('smartdoor/door-001/status');
    expect(topics.thingFilter('door-001')).toBe('smartdoor/door-001/#');
    expect(topics.shadow('door-001', 'update/delta')).toBe('$aws/things/door-001/shadow/update/delta');
    expect(topics.shadow('door-001', 'get', 'settings')).toBe(
      '$aws/things/door-001/shadow/name/settings/get',
    );
    expect(topics.presence('connected', 'door-001')).toBe('$aws/events/presence/connected/door-001');
    expect(topics.basicIngest('smartdoor_events', 'door-001/events')).toBe(
      '$aws/rules/smartdoor_events/door-001/events',
    );
  });

  it('refuses a thing name that would break the topic tree', () => {
    // Prepare
    const build = () => topics.events('door/+');
    // Act / Assess
    expect(build).toThrow(ContractValidationError);
    expect(build).toThrow(
      'thingName: expected 1-128 characters of a-z, A-Z, 0-9, ":", "_" or "-", received string "door/+"',
    );
    expect(assertThingName('a:b_c-1')).toBe('a:b_c-1');
  });
});

describe('Function: parseTopic', () => {
  it.each([
    ['smartdoor/door-001/events', { kind: 'events', thingName: 'door-001' }],
    ['smartdoor/door-001/commands', { kind: 'commands', thingName: 'door-001' }],
    ['smartdoor/door-001/status', { kind: 'status', thingName: 'door-001' }],
    [
      '$aws/things/door-001/shadow/update/delta',
      { kind: 'shadow', thingName: 'door-001', shadowName: undefined, operation: 'update/delta' },
    ],
    [
      '$aws/things/door-001/shadow/name/cfg/get/accepted',
      { kind: 'shadow', thingName: 'door-001', shadowName: 'cfg', operation: 'get/accepted' },
    ],
    [
      '$aws/events/presence/disconnected/door-001',
      { kind: 'presence', event: 'disconnected', clientId: 'door-001' },
    ],
    ['$aws/rules/r1/a/b', { kind: 'basic-ingest', ruleName: 'r1', rest: 'a/b' }],
  ])('parses %s', (topic, expected) => {
    expect(parseTopic(topic)).toEqual(expected);
  });

  it.each([
    'smartdoor/door-001/other',
    'smartdoor/door 1/events',
    'smartdoor/door-001/events/extra',
    '$aws/things/door-001/shadow/name//get',
    '$aws/things/door-001/shadow/explode',
    '$aws/events/presence/lost/door-001',
    '$aws/events/presence/connected/',
    '$aws/rules/r1',
    'other/topic',
  ])('calls %s other', (topic) => {
    expect(parseTopic(topic)).toEqual({ kind: 'other' });
  });
});

describe('Function: checkPublishTopic', () => {
  it('accepts the project’s topics', () => {
    expect(checkPublishTopic('smartdoor/door-001/events')).toBeUndefined();
  });

  it('refuses more than 7 slashes', () => {
    expect(checkPublishTopic('a/b/c/d/e/f/g/h/i')).toBe("topic has 8 slashes, over IoT Core's limit of 7");
    expect(checkPublishTopic('a/b/c/d/e/f/g/h')).toBeUndefined();
  });

  it('does not count the Basic Ingest prefix', () => {
    expect(checkPublishTopic('$aws/rules/r/a/b/c/d/e/f/g/h')).toBeUndefined();
  });

  it('refuses a topic over 256 bytes', () => {
    expect(checkPublishTopic(`a/${'é'.repeat(128)}`)).toBe(
      "topic is 258 bytes, over IoT Core's limit of 256",
    );
  });

  it('refuses wildcards and empty topics', () => {
    expect(checkPublishTopic('a/+/b')).toBe('a publish topic may not contain the wildcards + or #');
    expect(checkPublishTopic('')).toBe('topic is empty');
  });
});

describe('Function: topicMatchesFilter', () => {
  it.each([
    ['smartdoor/+/events', 'smartdoor/door-001/events', true],
    ['smartdoor/#', 'smartdoor/door-001/events', true],
    ['smartdoor/+', 'smartdoor/door-001/events', false],
    ['smartdoor/+/events/x', 'smartdoor/door-001/events', false],
    ['#', '$aws/things/x/shadow/update', false],
    ['+/things/#', '$aws/things/x', false],
    ['$aws/things/+/shadow/#', '$aws/things/x/shadow/update', true],
  ])('%s against %s is %s', (filter, topic, expected) => {
    expect(topicMatchesFilter(filter, topic)).toBe(expected);
  });
});

describe('Function: isClaimClientId', () => {
  it('tells the claim connections of fleet provisioning from doors', () => {
    // Act / Assess
    expect(['claim-SN1', 'door-SN1', 'claim', 'xclaim-1'].map(isClaimClientId)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
