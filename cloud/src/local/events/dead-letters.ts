import type { LocalQueues } from '../queues/local-queues.js';
import { queueNameFromArn } from '../queues/model.js';
import type { ExhaustedCondition } from './delivery-worker.js';
import type { TargetInvocationError } from './errors.js';
import type { Delivery } from './model.js';
import type { EventsStore } from './store.js';

/**
 * Dead letters of targets. The message body is the event; the attributes are those EventBridge
 * sets (ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS, RULE_ARN,
 * TARGET_ARN: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html),
 * plus TARGET_ID and ATTEMPTS so a redrive finds the exact target again.
 */
export class DeadLetters {
  constructor(
    private readonly store: EventsStore,
    private readonly queues: LocalQueues,
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  /** Sends to the target's DLQ; returns its name, or undefined when the event is dropped (no DLQ). */
  send(d: Delivery, error: TargetInvocationError, condition: ExhaustedCondition): string | undefined {
    const name = d.target.deadLetterArn === undefined ? undefined : queueNameFromArn(d.target.deadLetterArn);
    if (name === undefined || !this.queues.hasQueue(name)) return undefined;
    const attributes: Record<string, string> = {
      ERROR_CODE: error.code,
      ERROR_MESSAGE: error.message.slice(0, 1024),
      RETRY_ATTEMPTS: String(Math.max(0, d.attempts - 1)),
      ATTEMPTS: String(d.attempts),
      RULE_ARN: d.ruleArn,
      TARGET_ARN: d.target.arn,
      TARGET_ID: d.target.id,
    };
    if (condition !== undefined) attributes.EXHAUSTED_RETRY_CONDITION = condition;
    this.queues.send(name, JSON.stringify(d.event), attributes);
    return name;
  }

  /**
   * Takes every message of a DLQ whose rule and target still exist and schedules it for one
   * fresh delivery (new retry budget), in one transaction per message. Others stay put.
   */
  redrive(deadLetterQueue: string): { redriven: number; skipped: number } {
    let redriven = 0;
    let skipped = 0;
    const rules = new Map(this.store.listRules().map((r) => [r.arn, r]));
    for (const msg of this.queues.peek(deadLetterQueue, 10_000)) {
      const rule = rules.get(msg.attributes.RULE_ARN ?? '');
      const target = rule
        ? this.store
            .listTargets(rule.busName, rule.name)
            .find(
              (t) =>
                t.id === msg.attributes.TARGET_ID ||
                (msg.attributes.TARGET_ID === undefined && t.arn === msg.attributes.TARGET_ARN),
            )
        : undefined;
      if (!rule || !target) {
        skipped++;
        continue;
      }
      const now = this.now();
      this.store.transaction(() => {
        this.store.insertDelivery({
          id: this.newId(),
          busName: rule.busName,
          ruleName: rule.name,
          ruleArn: rule.arn,
          target,
          event: JSON.parse(msg.body),
          ingestedAt: now,
          attempts: 0,
          nextAttemptAt: now,
        });
        this.queues.deleteById(deadLetterQueue, msg.messageId);
      });
      redriven++;
    }
    return { redriven, skipped };
  }
}
