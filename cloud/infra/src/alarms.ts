import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SmartdoorAlarmsProps {
  /** Where every alarm (and its return to OK) is published. */
  topic: ITopic;
  /** Queues where failed work ends, by a readable name: any message in one is an alarm. */
  deadLetterQueues: Record<string, IQueue>;
  /** Functions whose errors raise an alarm, by a readable name. */
  functions: Record<string, IFunction>;
}

/**
 * The alarms: one per dead-letter or error queue (the rule error action's queue among
 * them: every failed rule action lands there), one per function's Errors. Each fires on
 * the first message or error, because each of these means a door event was not handled.
 */
export class SmartdoorAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: SmartdoorAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(
        new Alarm(this, `${name}Depth`, {
          alarmDescription: `Messages are waiting in ${name}: look at them, fix the cause, then redrive`,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        new Alarm(this, `${name}Errors`, {
          alarmDescription: `The ${name} function failed: see its log group and traces`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
