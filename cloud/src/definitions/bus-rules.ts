import { DetailType, EventSource } from '@smartdoor/shared';

/**
 * The EventBridge rules on the smartdoor bus: written once, run by the local bus and
 * deployed by the CDK app. Patterns match exactly, ignore fields they do not name and
 * need every field they name (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
 */
export interface BusRuleDefinition {
  name: string;
  description: string;
  eventPattern: Record<string, unknown>;
  /** Logical target, resolved by each runtime (SQS + Lambda on AWS, a local queue + handler here). */
  target: BusTargetName;
}

export type BusTargetName = 'identification' | 'notification' | 'dashboard';

/** Door openings and badge reads: what identification correlates. */
export const IDENTIFICATION_RULE: BusRuleDefinition = {
  name: 'smartdoor-identification',
  description: 'Door openings and badge reads to the identification subscriber',
  eventPattern: {
    source: [EventSource.Device],
    $or: [
      { 'detail-type': [DetailType.DoorStateChanged], detail: { state: ['open'] } },
      { 'detail-type': [DetailType.BadgeRead] },
    ],
  },
  target: 'identification',
};

/** Everything someone should hear about, plus reconnects that cancel a pending offline alert. */
export const NOTIFICATION_RULE: BusRuleDefinition = {
  name: 'smartdoor-notification',
  description:
    'Unidentified entries, identification failures, held-open doors, sensor faults and offline doors to the notification subscriber',
  eventPattern: {
    $or: [
      {
        source: [EventSource.Identification],
        'detail-type': [DetailType.EntryUnidentified, DetailType.IdentificationFailed],
      },
      { source: [EventSource.Device], 'detail-type': [DetailType.DoorHeldOpen] },
      { source: [EventSource.Device], 'detail-type': [DetailType.DeviceFault], detail: { active: [true] } },
      {
        source: [EventSource.Presence],
        'detail-type': [DetailType.DeviceDisconnected, DetailType.DeviceConnected],
      },
    ],
  },
  target: 'notification',
};

/** Every smartdoor event, for the local dashboard's live stream. Local only. */
export const DASHBOARD_RULE: BusRuleDefinition = {
  name: 'smartdoor-dashboard',
  description: 'Every smartdoor event to the local dashboard',
  eventPattern: { source: [{ prefix: 'smartdoor.' }] },
  target: 'dashboard',
};

/** Rules deployed to AWS. The dashboard rule exists only in the local cloud. */
export const BUS_RULES: readonly BusRuleDefinition[] = [IDENTIFICATION_RULE, NOTIFICATION_RULE];
export const LOCAL_BUS_RULES: readonly BusRuleDefinition[] = [...BUS_RULES, DASHBOARD_RULE];
