import { CLAIM_CLIENT_ID_PREFIX } from '@smartdoor/shared';

/**
 * The project's IoT topic rules: written once, run by the local cloud's rules engine and
 * deployed to AWS IoT Core by the CDK app (cloud/infra). Rule names follow IoT Core's
 * rule-name rules (letters, digits, underscore).
 */
export interface IotRuleDefinition {
  /** IoT Core rule name. */
  name: string;
  description: string;
  /** IoT SQL, version 2016-03-23. */
  sql: string;
  /** Logical actions, resolved by each runtime (a Lambda on AWS, an in-process handler locally). */
  actions: readonly IotRuleActionName[];
  /** Where a failing action's message goes (IoT Core's errorAction). */
  errorAction: IotRuleActionName;
}

export type IotRuleActionName = 'ingest' | 'rule-errors';

export const IOT_SQL_VERSION = '2016-03-23';

/**
 * Door events. The payload is passed base64-encoded, so the ingest handler sees the
 * exact bytes the door sent, validates them itself and sends anything malformed to the
 * error queue with a readable reason (a JSON-only SELECT would drop such messages
 * silently). The thing name comes from the topic, which the IoT policy ties to the
 * connection's certificate, never from the payload.
 */
export const EVENTS_RULE: IotRuleDefinition = {
  name: 'smartdoor_events',
  description: 'Door events to the ingest function, which puts them on the smartdoor bus',
  sql: "SELECT encode(*, 'base64') AS payload, topic(2) AS thingName, clientid() AS clientId, timestamp() AS receivedAt FROM 'smartdoor/+/events'",
  actions: ['ingest'],
  errorAction: 'rule-errors',
};

/**
 * Connect/disconnect lifecycle events, so that subscribers can see a door go offline. The
 * claim connections of fleet provisioning (`claim-{serial}`) are no door: a door being
 * provisioned disconnects its claim client for good, which would read as a door gone offline.
 * The WHERE reads topic(), which is never Undefined (topic(5) is, on a Basic Ingest topic,
 * and an Undefined WHERE drops the message).
 */
export const PRESENCE_RULE: IotRuleDefinition = {
  name: 'smartdoor_presence',
  description: 'Lifecycle events to the ingest function (Device Connected / Device Disconnected)',
  sql: `SELECT *, topic(4) AS presence FROM '$aws/events/presence/+/+' WHERE NOT regexp_matches(topic(), '^[$]aws/events/presence/[a-z]+/${CLAIM_CLIENT_ID_PREFIX}')`,
  actions: ['ingest'],
  errorAction: 'rule-errors',
};

export const IOT_RULES: readonly IotRuleDefinition[] = [EVENTS_RULE, PRESENCE_RULE];
