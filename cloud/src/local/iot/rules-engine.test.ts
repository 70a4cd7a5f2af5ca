import { describe, expect, it } from 'vitest';
import { EVENTS_RULE, IOT_RULES, PRESENCE_RULE } from '../../definitions/iot-rules.js';
import { TopicRuleError } from './errors.js';
import { type RuleAction, type RuleActionInput, RulesEngine } from './rules-engine.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Roles: `ingest` is the Lambda action (fails when told to), `errors` the rule-errors queue. */
function setup(options: { ingestFails?: string } = {}) {
  const ingested: RuleActionInput[] = [];
  const errors: RuleActionInput[] = [];
  const ingest: RuleAction = {
    type: 'LambdaAction',
    resource: 'arn:aws:lambda:us-east-1:000000000000:function:smartdoor-ingest',
    run: async (input) => {
      if (options.ingestFails) throw new Error(options.ingestFails);
      ingested.push(input);
    },
  };
  const ruleErrors: RuleAction = {
    type: 'SqsAction',
    resource: 'rule-errors',
    run: async (i) => void errors.push(i),
  };
  let n = 0;
  const engine = new RulesEngine({
    rules: IOT_RULES,
    actions: { ingest, 'rule-errors': ruleErrors },
    accountId: '000000000000',
    logger: silent,
    now: () => 1_795_000_000_000,
    newId: () => `trace-${++n}`,
  });
  return { engine, ingested, errors };
}

describe('Class: RulesEngine', () => {
  describe('Method: process', () => {
    it('hands a door event to the ingest action as EVENTS_RULE outputs it', async () => {
      // Prepare
      const { engine, ingested } = setup();
      const payload = Buffer.from('{"type":"door.state.changed"}');

      // Act
      const fired = engine.process({
        topic: 'smartdoor/door-001/events',
        payload,
        qos: 1,
        retain: false,
        clientId: 'door-001',
      });
      await engine.drain();

      // Assess
      expect(fired).toEqual([EVENTS_RULE.name]);
      expect(ingested[0]!.json).toEqual({
        payload: payload.toString('base64'),
        thingName: 'door-001',
        clientId: 'door-001',
        receivedAt: 1_795_000_000_000,
      });
    });

    it('runs the presence rule on lifecycle topics', async () => {
      // Prepare
      const { engine, ingested } = setup();
      const event = {
        clientId: 'door-001',
        eventType: 'connected',
        timestamp: 1,
        sessionIdentifier: 's',
        versionNumber: 0,
      };

      // Act
      const fired = engine.process({
        topic: '$aws/events/presence/connected/door-001',
        payload: Buffer.from(JSON.stringify(event)),
        qos: 1,
        retain: false,
      });
      await engine.drain();

      // Assess
      expect(fired).toEqual([PRESENCE_RULE.name]);
      expect(ingested[0]!.json).toEqual({ ...event, presence: 'connected' });
    });

    it('delivers a Basic Ingest message to the named rule only, which sees the topic without the prefix', async () => {
      // Prepare
      const { engine, ingested } = setup();

      // Act
      const fired = engine.process({
        topic: '$aws/rules/smartdoor_events/smartdoor/door-007/events',
        payload: Buffer.from('{}'),
        qos: 1,
        retain: false,
        clientId: 'door-007',
      });
      const other = engine.process({
        topic: '$aws/rules/smartdoor_presence/smartdoor/door-007/events',
        payload: Buffer.from('{}'),
        qos: 1,
        retain: false,
      });
      await engine.drain();

      // Assess
      expect(fired).toEqual([EVENTS_RULE.name]);
      // The named rule only (the evaluator routes Basic Ingest by rule name, not by FROM).
      expect(other).toEqual([PRESENCE_RULE.name]);
      expect((ingested[0]!.json as { thingName: string }).thingName).toBe('door-007');
    });

    it('sends a failing action to the error action with the documented message', async () => {
      // Prepare
      const { engine, errors } = setup({ ingestFails: 'Task timed out after 30000 ms' });
      const payload = Buffer.from('{"type":"door.state.changed"}');

      // Act
      engine.process({
        topic: 'smartdoor/door-001/events',
        payload,
        qos: 1,
        retain: false,
        clientId: 'door-001',
      });
      await engine.drain();

      // Assess
      expect(errors).toHaveLength(1);
      expect(errors[0]!.json).toEqual({
        ruleName: 'smartdoor_events',
        topic: 'smartdoor/door-001/events',
        cloudwatchTraceId: 'trace-1',
        clientId: 'door-001',
        base64OriginalPayload: payload.toString('base64'),
        failures: [
          {
            failedAction: 'LambdaAction',
            failedResource: 'arn:aws:lambda:us-east-1:000000000000:function:smartdoor-ingest',
            errorMessage: 'Task timed out after 30000 ms',
          },
        ],
      });
      expect(JSON.parse(errors[0]!.payload.toString())).toEqual(errors[0]!.json);
      expect(engine.stats).toMatchObject({ actionFailures: 1, ruleErrors: 1 });
    });

    it('ignores topics no rule reads', async () => {
      // Prepare
      const { engine, ingested } = setup();

      // Act
      const fired = engine.process({
        topic: 'smartdoor/door-001/status',
        payload: Buffer.from('online'),
        qos: 1,
        retain: true,
      });
      await engine.drain();

      // Assess
      expect(fired).toEqual([]);
      expect(ingested).toHaveLength(0);
    });
  });

  describe('Method: constructor', () => {
    it('refuses a rule whose SQL does not compile, naming the rule', () => {
      // Prepare
      const rules = [{ ...EVENTS_RULE, name: 'broken', sql: 'SELECT FROM' }];

      // Act
      const act = () => new RulesEngine({ rules, actions: {}, accountId: '0', logger: silent });

      // Assess
      expect(act).toThrow(TopicRuleError);
      expect(act).toThrow(/rule broken/);
    });

    it('refuses a rule whose action is not provided', () => {
      // Prepare
      const rules = [EVENTS_RULE];

      // Act
      const act = () => new RulesEngine({ rules, actions: {}, accountId: '0', logger: silent });

      // Assess
      expect(act).toThrow(/no action named ingest/);
    });
  });
});
