import { BUS_RULES, type BusTargetName } from '@smartdoor/cloud/definitions/bus-rules';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Archive, type CfnRule, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, SUBSCRIBER_BATCH } from './queues.js';

export interface SmartdoorBusProps {
  stage: string;
  /** How long the archive keeps events (0: forever). @default 30 */
  archiveRetentionDays?: number;
  /** Keep the archive when the stack is deleted. @default true */
  retainData?: boolean;
}

/** One subscriber behind a bus rule: its buffer queue (with a DLQ) and its function. */
export interface BusSubscriber {
  queue: Queue;
  fn: IFunction;
  /** Records per invocation, when the function's timeout holds fewer than the default 10. */
  batchSize?: number;
}

/**
 * The custom bus, its archive, and the project's rules (the local bus's patterns). Each
 * rule's target is the subscriber's buffer queue; deliveries EventBridge itself cannot
 * make go to the bus's target DLQ.
 */
export class SmartdoorBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  /** Events EventBridge could not deliver to a target queue after its retries. */
  readonly targetDlq: Queue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: SmartdoorBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `smartdoor-${props.stage}` });
    const days = props.archiveRetentionDays ?? 30;
    this.archive = new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      archiveName: `smartdoor-${props.stage}`,
      description: 'Every event on the smartdoor bus, for replay',
      // Every event: all of them carry this account.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(days),
    });
    this.archive.applyRemovalPolicy(
      props.retainData === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    );
    this.targetDlq = deadLetterQueue(this, 'TargetDlq');
  }

  /**
   * Connect the subscribers: each BUS_RULES rule sends to its target's queue, and the
   * target function reads the queue with partial batch failures reported
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
   */
  connect(subscribers: Record<Exclude<BusTargetName, 'dashboard'>, BusSubscriber>): void {
    for (const definition of BUS_RULES) {
      if (definition.target === 'dashboard') continue;
      const subscriber = subscribers[definition.target];
      const rule = new Rule(this, `Rule_${definition.target}`, {
        eventBus: this.bus,
        ruleName: definition.name,
        description: definition.description,
        // Placeholder; the definition's pattern is set verbatim below (the L2 type has no $or).
        eventPattern: { source: ['smartdoor.placeholder'] },
        targets: [
          new SqsQueue(subscriber.queue, {
            deadLetterQueue: this.targetDlq,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
      (rule.node.defaultChild as CfnRule).eventPattern = definition.eventPattern;
      this.rules.push(rule);
    }
  }

  /** Attach a subscriber function to its queue. */
  static consume(subscriber: BusSubscriber): void {
    subscriber.fn.addEventSource(
      new SqsEventSource(subscriber.queue, {
        ...SUBSCRIBER_BATCH,
        ...(subscriber.batchSize === undefined ? {} : { batchSize: subscriber.batchSize }),
        reportBatchItemFailures: true,
      }),
    );
  }
}
